#!/usr/bin/env bash
# Installs the real LiteLLM proxy (PyPI litellm[proxy]) into a virtualenv for the
# litellm exporter tests. Idempotent: when the venv already holds the pinned versions it
# does nothing (about 0.1 s). A fresh install downloads ~120 packages (~760 MB on disk)
# and takes 60-80 s.
#
#   scripts/litellm-venv.sh            # venv at <repo>/target/litellm-venv
#   LLMMON_LITELLM_VENV=/some/dir scripts/litellm-venv.sh
#
# A relative LLMMON_LITELLM_VENV is taken relative to the repository root.
# Prints the venv path on success (one line); on failure exits non-zero with one line
# on stderr naming the step that failed (pip's own output goes to <venv>.install.log).
# Start the proxy with <venv>/bin/litellm (see tests/fixtures/upstream/litellm/README.md).
set -uo pipefail

LITELLM_VERSION=1.108.7
# [proxy] does not pull prometheus_client; without it the "prometheus" callback cannot load.
PROMETHEUS_CLIENT_VERSION=0.26.0
# Nor does it pull prisma (that is litellm's extra_proxy extra; the Docker image has it).
# Without it a database-less proxy answers a request with no Authorization header with a
# bare 500 "Internal Server Error" (its auth error handler does `import prisma`) instead of
# 401; with it the 401 matches what a production proxy sends. No database is needed.
PRISMA_VERSION=0.15.0

die() {
    echo "litellm-venv.sh: $*" >&2
    exit 1
}

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd) || die "cannot find the repository root"
venv=${LLMMON_LITELLM_VENV:-target/litellm-venv}
case $venv in
    /*) ;;
    *) venv=$root/$venv ;;
esac

# True when the venv holds exactly the pinned versions. Reads the same dist-info
# metadata as `pip show`, but in ~0.1 s instead of ~2 s.
installed() {
    [ -x "$venv/bin/litellm" ] && [ -x "$venv/bin/python" ] || return 1
    local got
    got=$("$venv/bin/python" -c 'from importlib.metadata import version as v
print(v("litellm"), v("prometheus_client"), v("prisma"))' 2>/dev/null) || return 1
    [ "$got" = "$LITELLM_VERSION $PROMETHEUS_CLIENT_VERSION $PRISMA_VERSION" ]
}

if installed; then
    echo "$venv"
    exit 0
fi

mkdir -p "$(dirname "$venv")" 2>/dev/null || die "cannot create $(dirname "$venv")"
# Tests may call this from several processes at once: one installs, the others wait.
{ exec 9>"$venv.lock"; } 2>/dev/null || die "cannot open lock file $venv.lock"
if command -v flock >/dev/null 2>&1; then
    flock 9 || die "cannot lock $venv.lock"
fi
if installed; then
    echo "$venv"
    exit 0
fi

log=$venv.install.log
: 2>/dev/null >"$log" || die "cannot write $log"

command -v python3 >/dev/null 2>&1 || die "python3 not found on PATH"
python3 -c 'import sys; sys.exit(0 if sys.version_info >= (3, 9) else 1)' 2>/dev/null \
    || die "python3 is $(python3 -V 2>&1); litellm $LITELLM_VERSION needs >= 3.9"
python3 -c 'import venv, ensurepip' 2>/dev/null \
    || die "python3 has no venv/ensurepip module (Debian: apt-get install python3-venv)"

# A venv whose python no longer runs (moved, python upgraded) is rebuilt from scratch.
if [ -e "$venv" ] && ! "$venv/bin/python" -c '' 2>/dev/null; then
    rm -rf "$venv" || die "cannot remove broken venv $venv"
fi
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv" >>"$log" 2>&1 || die "python3 -m venv $venv failed (see $log)"
fi

"$venv/bin/python" -m pip install --disable-pip-version-check --no-input \
    "litellm[proxy]==$LITELLM_VERSION" "prometheus_client==$PROMETHEUS_CLIENT_VERSION" \
    "prisma==$PRISMA_VERSION" >>"$log" 2>&1 \
    || die "pip install litellm[proxy]==$LITELLM_VERSION prometheus_client==$PROMETHEUS_CLIENT_VERSION prisma==$PRISMA_VERSION failed: $(tail -n 1 "$log")"

installed || die "installed, but $venv/bin/litellm or the pinned versions ($LITELLM_VERSION, $PROMETHEUS_CLIENT_VERSION, $PRISMA_VERSION) are not there (see $log)"
echo "$venv"
