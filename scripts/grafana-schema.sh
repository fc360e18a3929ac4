#!/usr/bin/env bash
# Installs Grafana's published dashboard and panel types (@grafana/schema, the version of the
# Grafana image in compose/docker-compose.yml) and the TypeScript compiler into
# target/grafana-schema/, for tests/integration/config_checks.rs, which type-checks every dashboard
# in dashboards/ against them. Versions and integrity hashes are pinned by
# scripts/grafana-schema/package-lock.json. Idempotent: does nothing when that lock file is already
# installed. Fails loudly (non-zero exit, the reason on stderr) when it cannot install.
set -euo pipefail
cd "$(dirname "$0")/.."

src=scripts/grafana-schema
dest=target/grafana-schema
stamp=$dest/installed.sha256

want=$(sha256sum "$src/package.json" "$src/package-lock.json" | sha256sum | cut -d' ' -f1)
if [ -x "$dest/node_modules/.bin/tsc" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
  exit 0
fi
for bin in node npm; do
  if ! command -v "$bin" >/dev/null; then
    echo "grafana-schema.sh: \`$bin\` is missing; install it with: apt-get install -y nodejs npm" >&2
    exit 1
  fi
done
echo "grafana-schema.sh: installing @grafana/schema and typescript into $dest (npm ci)"
mkdir -p "$dest"
cp "$src/package.json" "$src/package-lock.json" "$dest/"
rm -f "$stamp"
if ! (cd "$dest" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error); then
  echo "grafana-schema.sh: npm ci failed in $dest (is the npm registry reachable?)" >&2
  exit 1
fi
if [ ! -x "$dest/node_modules/.bin/tsc" ]; then
  echo "grafana-schema.sh: npm ci finished but $dest/node_modules/.bin/tsc is missing" >&2
  exit 1
fi
echo "$want" > "$stamp"
