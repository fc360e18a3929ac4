#!/bin/sh
# Renders the Alertmanager config template with values from the environment, then (when a
# command follows `--`) runs it. Used as the Compose service's entrypoint:
#   render-config.sh /etc/alertmanager/alertmanager.yml /run/alertmanager/alertmanager.yml \
#     -- /bin/alertmanager --config.file=/run/alertmanager/alertmanager.yml ...
# Template syntax (YAML comments, so the template itself is a valid config that only logs):
#   #@if VAR      keep the block up to `#@end` only when VAR is set and not empty
#   #@<text>      a line of such a block; `#@` is removed, the indentation before it kept
#   ${VAR}        replaced by VAR's value, escaped for a double-quoted YAML string (not in
#                 plain comment lines)
# Needs only POSIX sh and awk (busybox in the prom/alertmanager image). The rendered file
# holds secrets: write it to a tmpfs, never to a volume.
set -eu
if [ "$#" -lt 2 ]; then
  echo "usage: $0 TEMPLATE OUTPUT [-- COMMAND ARGS...]" >&2
  exit 2
fi
template=$1
output=$2
shift 2
umask 077
awk '
# Escapes a value for a double-quoted YAML string (char by char: the handling of
# backslashes in gsub differs between awks).
function yaml_escape(v,    out, i, c) {
  out = ""
  for (i = 1; i <= length(v); i++) {
    c = substr(v, i, 1)
    if (c == "\\" || c == "\"") out = out "\\"
    out = out c
  }
  return out
}
function expand(line,    out, name, value) {
  out = ""
  while (match(line, /\$\{[A-Za-z_][A-Za-z0-9_]*\}/)) {
    name = substr(line, RSTART + 2, RLENGTH - 3)
    if (!(name in ENVIRON) || ENVIRON[name] == "") {
      printf "render-config: %s is used but not set\n", name > "/dev/stderr"
      failed = 1
    }
    value = yaml_escape(ENVIRON[name])
    out = out substr(line, 1, RSTART - 1) value
    line = substr(line, RSTART + RLENGTH)
  }
  return out line
}
BEGIN { depth = 0; off = 0 }
/^[ \t]*#@if[ \t]/ {
  name = $2
  depth++
  if (off == 0 && (!(name in ENVIRON) || ENVIRON[name] == "")) off = depth
  next
}
/^[ \t]*#@end[ \t]*$/ {
  if (depth == 0) { print "render-config: #@end without #@if at line " NR > "/dev/stderr"; failed = 1 }
  if (off == depth) off = 0
  depth--
  next
}
/^[ \t]*#@/ {
  if (depth == 0) { print "render-config: #@ line outside a block at line " NR > "/dev/stderr"; failed = 1 }
  if (off) next
  i = index($0, "#@")
  print expand(substr($0, 1, i - 1) substr($0, i + 2))
  next
}
/^[ \t]*#/ { print; next }
{ print expand($0) }
END {
  if (depth != 0) { print "render-config: #@if without #@end" > "/dev/stderr"; failed = 1 }
  exit failed
}
' "$template" > "$output.tmp"
mv "$output.tmp" "$output"
if [ "$#" -gt 0 ] && [ "$1" = "--" ]; then
  shift
  exec "$@"
fi
