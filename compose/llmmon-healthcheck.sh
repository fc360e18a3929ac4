#!/bin/bash
# Docker healthcheck of an llmmon exporter role: GET /health on the role's port answers 200
# while the process serves (bash only: the image has neither curl nor wget).
#   llmmon-healthcheck PORT
set -eu
port=${1:?usage: llmmon-healthcheck PORT}
exec 3<>"/dev/tcp/127.0.0.1/${port}"
printf 'GET /health HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3
read -r _ code _ <&3
[ "$code" = 200 ]
