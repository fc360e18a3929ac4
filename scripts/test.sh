#!/usr/bin/env bash
# The project's one test command: installs what the tests need when it is missing, then runs
# the format check, clippy and every test (unit, integration with real Prometheus,
# Alertmanager, node_exporter, dockerd, tmux, headless Chromium and VictoriaMetrics).
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v prometheus >/dev/null || need+=(prometheus)
command -v promtool >/dev/null || need+=(prometheus)
command -v prometheus-alertmanager >/dev/null || need+=(prometheus-alertmanager)
command -v prometheus-node-exporter >/dev/null || need+=(prometheus-node-exporter)
command -v dockerd >/dev/null || need+=(docker.io)
command -v tmux >/dev/null || need+=(tmux)
command -v busybox >/dev/null || need+=(busybox-static)
command -v systemd-analyze >/dev/null || need+=(systemd)
command -v victoria-metrics >/dev/null || need+=(victoria-metrics)
command -v node >/dev/null || need+=(nodejs)
command -v npm >/dev/null || need+=(npm)
command -v chromium >/dev/null || need+=(chromium)
if [ ${#need[@]} -gt 0 ]; then
  echo "test.sh: installing ${need[*]} (Debian packages the integration tests run)"
  if [ "$(id -u)" -ne 0 ]; then
    echo "test.sh: need root to run: apt-get install -y ${need[*]}" >&2
    exit 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
# Grafana's published dashboard schema (@grafana/schema) and tsc, for
# tests/integration/config_checks.rs.
./scripts/grafana-schema.sh
# The real LiteLLM proxy (PyPI litellm[proxy], pinned) for tests/integration/litellm_proxy.rs.
./scripts/litellm-venv.sh >/dev/null

cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings
if cargo nextest --version >/dev/null 2>&1; then
  # (the project has no doc tests, which nextest would not run)
  cargo nextest run --workspace --locked --no-fail-fast
else
  # cargo test runs a binary's tests as threads of one process: the test that sets the
  # environment inside figment::Jail (process-wide) runs on its own, after the others.
  jail=fuzz::configuration_takes_any_environment
  cargo test --workspace --locked --no-fail-fast -- --skip "$jail"
  cargo test --workspace --test integration --locked -- --exact "$jail"
fi
