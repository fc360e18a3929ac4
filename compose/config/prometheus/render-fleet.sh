#!/bin/sh
# Prometheus' configuration for one server of a fleet (docker-compose.fleet.yml): the
# server's own prometheus.yml with the external labels host and cluster, plus the central
# store's remote_write (remote-write.yml) with its credentials and TLS settings; then, given
# arguments, starts Prometheus with them. Prometheus reads no environment in its config, so
# the values are written into a tmpfs at start.
#
#   FLEET_REMOTE_WRITE_URL   the central store's write URL (required), e.g.
#                            https://metrics.example.org/api/v1/write
#   FLEET_HOST               the host label (default: the hostname; Compose passes the
#                            server's, since a container's hostname is its id)
#   FLEET_CLUSTER            the cluster label (default: default)
#   FLEET_REMOTE_WRITE_USER  basic auth user; its password is the secret file
#                            fleet_remote_write_password. Or a bearer token in the secret
#                            file fleet_remote_write_token (it wins when both are set).
#   FLEET_TLS_CA_FILE        a CA bundle for the store's certificate (optional)
#   FLEET_TLS_INSECURE       true to skip certificate checks (a test store only)
set -eu

base=${FLEET_BASE_CONFIG:-/etc/prometheus/prometheus.yml}
template=${FLEET_TEMPLATE:-/etc/prometheus/remote-write.yml}
out=${FLEET_CONFIG_OUT:-/run/prometheus/prometheus.yml}
secrets=${FLEET_SECRETS_DIR:-/run/secrets}
prometheus=${FLEET_PROMETHEUS:-/bin/prometheus}

url=${FLEET_REMOTE_WRITE_URL:-}
case "$url" in
  http://*|https://*) ;;
  *)
    echo "render-fleet: FLEET_REMOTE_WRITE_URL must be the central store's http(s) write URL (got '${url%%@*}')" >&2
    exit 1
    ;;
esac
host=${FLEET_HOST:-$(hostname)}
cluster=${FLEET_CLUSTER:-default}
for value in "$host" "$cluster"; do
  case "$value" in
    *[!A-Za-z0-9._-]*|'')
      echo "render-fleet: host and cluster are names of letters, digits, '.', '_' and '-' (got '$value')" >&2
      exit 1
      ;;
  esac
done

mkdir -p "$(dirname "$out")"
# The external labels go under global: (which every llmmon Prometheus config has), beside
# any it already has.
grep -q '^global:' "$base" || { echo "render-fleet: $base has no global: section" >&2; exit 1; }
labels="    host: \"$host\"\n    cluster: \"$cluster\""
if grep -q '^  external_labels:' "$base"; then
  sed "s/^  external_labels:.*/  external_labels:\n$labels/" "$base" > "$out"
else
  sed "s/^global:.*/global:\n  external_labels:\n$labels/" "$base" > "$out"
fi
sed "s|@URL@|$url|" "$template" >> "$out"
if [ -s "$secrets/fleet_remote_write_token" ]; then
  printf '    authorization:\n      credentials_file: %s\n' "$secrets/fleet_remote_write_token" >> "$out"
elif [ -n "${FLEET_REMOTE_WRITE_USER:-}" ]; then
  [ -s "$secrets/fleet_remote_write_password" ] || {
    echo "render-fleet: FLEET_REMOTE_WRITE_USER is set but the secret fleet_remote_write_password is empty" >&2
    exit 1
  }
  printf '    basic_auth:\n      username: "%s"\n      password_file: %s\n' \
    "$FLEET_REMOTE_WRITE_USER" "$secrets/fleet_remote_write_password" >> "$out"
fi
if [ -n "${FLEET_TLS_CA_FILE:-}" ] || [ "${FLEET_TLS_INSECURE:-false}" = true ]; then
  printf '    tls_config:\n      insecure_skip_verify: %s\n' "${FLEET_TLS_INSECURE:-false}" >> "$out"
  [ -z "${FLEET_TLS_CA_FILE:-}" ] || printf '      ca_file: %s\n' "$FLEET_TLS_CA_FILE" >> "$out"
fi

# The base file's command names its own --config.file: this one takes its place.
[ $# -gt 0 ] || exit 0
for arg in "$@"; do
  shift
  case "$arg" in --config.file=*) ;; *) set -- "$@" "$arg" ;; esac
done
exec "$prometheus" --config.file="$out" "$@"
