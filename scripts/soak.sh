#!/usr/bin/env bash
# Soak run (issue 17; a script, not a timed test): `llmmon-exporter all --source sim` and
# `llmmon top` in tmux for DURATION_S seconds (default 1800), the scenario and faults switched
# every SWITCH_S seconds (default 60) through `PUT /sim`, a real Prometheus scraping every
# role every 5 s. RSS, open file descriptors and threads of each process are sampled every
# SAMPLE_S seconds (default 10) into OUT/samples.csv; at the end the script asks Prometheus
# whether any scrape failed and whether any counter or histogram bucket went backwards, fits
# a line through each process's samples, and prints the figures (OUT/report.md). It exits 1
# when a check fails.
#
#   scripts/soak.sh                      # 30 minutes
#   DURATION_S=300 scripts/soak.sh       # a short look
#
# Ports: the roles listen on 29100–29945 (PORT_BASE=29000 + the role's default port's last
# three digits), Prometheus on 29090: nothing else in the tests uses them.
set -euo pipefail

DURATION_S=${DURATION_S:-1800}
SWITCH_S=${SWITCH_S:-60}
SAMPLE_S=${SAMPLE_S:-10}
SEED=${SOAK_SEED:-17}
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=${OUT:-$ROOT/target/soak}
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
PROM_PORT=29090
SESSION=llmmon-soak-$$

need() { command -v "$1" >/dev/null || { echo "soak: $1 is missing (apt-get install $2)" >&2; exit 2; }; }
need prometheus prometheus
need tmux tmux
need curl curl
need python3 python3

rm -rf "$OUT" && mkdir -p "$OUT/prom"
cargo build --release --locked -p llmmon --bin llmmon -p llmmon-exporter --bin llmmon-exporter
BIN=$TARGET_DIR/release

declare -A PORT=([gpu]=29445 [containers]=29904 [node]=29100 [cadvisor]=29080 [dcgm]=29400
                 [vllm]=29902 [litellm]=29901 [langfuse]=29903)
env_listen=()
top_args=()
targets=""
for role in "${!PORT[@]}"; do
    upper=${role^^}
    env_listen+=("LLMMON_LISTEN__${upper}=127.0.0.1:${PORT[$role]}")
    top_args+=(--exporter "$role=http://127.0.0.1:${PORT[$role]}")
    targets+="  - job_name: $role
    static_configs: [{targets: ['127.0.0.1:${PORT[$role]}']}]
"
done

pids=()
cleanup() {
    tmux kill-session -t "$SESSION" 2>/dev/null || true
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap cleanup EXIT

env "${env_listen[@]}" LLMMON_COLLECT__INTERVAL_S=5 LLMMON_SIM__SEED="$SEED" RUST_LOG=warn \
    "$BIN/llmmon-exporter" all --source sim >"$OUT/exporter.log" 2>&1 &
exporter=$!
pids+=("$exporter")

cat >"$OUT/prometheus.yml" <<EOF
global:
  scrape_interval: 5s
  scrape_timeout: 4s
scrape_configs:
$targets
EOF
prometheus --config.file="$OUT/prometheus.yml" --storage.tsdb.path="$OUT/prom" \
    --web.listen-address=127.0.0.1:$PROM_PORT --log.level=warn >"$OUT/prometheus.log" 2>&1 &
prom=$!
pids+=("$prom")

for _ in $(seq 100); do
    curl -fs "http://127.0.0.1:${PORT[gpu]}/ready" >/dev/null && break
    sleep 0.2
done
tmux new-session -d -s "$SESSION" -x 200 -y 60 \
    "exec $BIN/llmmon top --interval 5 ${top_args[*]} 2>$OUT/top.err"
sleep 1
top=$(tmux list-panes -t "$SESSION" -F '#{pane_pid}')

echo "t_s,process,rss_kib,fds,threads" >"$OUT/samples.csv"
sample() {
    local t=$1 name pid
    for name in exporter top prometheus; do
        case $name in exporter) pid=$exporter ;; top) pid=$top ;; prometheus) pid=$prom ;; esac
        [[ -r /proc/$pid/status ]] || { echo "soak: $name (pid $pid) is gone at ${t}s" >&2; exit 1; }
        local rss thr fds
        rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status")
        thr=$(awk '/^Threads:/ {print $2}' "/proc/$pid/status")
        fds=$(find "/proc/$pid/fd" -mindepth 1 -maxdepth 1 | wc -l)
        echo "$t,$name,$rss,$fds,$thr" >>"$OUT/samples.csv"
    done
}

# The conditions, one a minute: every scenario, alone and with one or two faults, in an
# order fixed by the seed.
mapfile -t CONDITIONS < <(python3 - "$SEED" <<'EOF'
import itertools, json, random, sys
scenarios = ["normal", "high_load", "degraded", "maintenance"]
faults = ["gpu_overheat", "container_crash_loop", "model_load_failure", "upstream_down", "error_burst"]
sets = [[]] + [[f] for f in faults] + [list(p) for p in itertools.combinations(faults, 2)]
rng = random.Random(int(sys.argv[1]))
out = [json.dumps({"scenario": s, "faults": f}) for s in scenarios for f in sets]
rng.shuffle(out)
print("\n".join(out))
EOF
)

start=$(date +%s)
next_switch=0
switches=0
echo "t_s,conditions" >"$OUT/switches.csv"
while :; do
    t=$(( $(date +%s) - start ))
    (( t >= DURATION_S )) && break
    if (( t >= next_switch )); then
        body=${CONDITIONS[$(( switches % ${#CONDITIONS[@]} ))]}
        curl -fs -X PUT -H 'content-type: application/json' -d "$body" \
            "http://127.0.0.1:${PORT[gpu]}/sim" >/dev/null \
            || { echo "soak: PUT /sim failed at ${t}s" >&2; exit 1; }
        echo "$t,\"${body//\"/\"\"}\"" >>"$OUT/switches.csv"
        switches=$(( switches + 1 ))
        next_switch=$(( next_switch + SWITCH_S ))
    fi
    sample "$t"
    sleep "$SAMPLE_S"
done
tmux capture-pane -p -t "$SESSION" >"$OUT/top-last-screen.txt"
tmux has-session -t "$SESSION" 2>/dev/null || { echo "soak: llmmon top exited" >&2; exit 1; }

# The checks are evaluated at the end of the run (END_S): the same figures again later,
# from the kept TSDB in OUT/prom, with Prometheus started on it by hand.
python3 - "$OUT" "$PROM_PORT" "$DURATION_S" "$switches" "${END_S:-$(date +%s)}" <<'EOF'
import csv, json, statistics, sys, urllib.parse, urllib.request
out, port, duration, switches = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
end = sys.argv[5]

def query(q):
    args = {"query": q, "time": end}
    url = f"http://127.0.0.1:{port}/api/v1/query?" + urllib.parse.urlencode(args)
    with urllib.request.urlopen(url, timeout=60) as r:
        data = json.load(r)["data"]["result"]
    return data

window = f"{duration}s"
scrapes = sum(float(r["value"][1]) for r in query(f"count_over_time(up[{window}])"))
ups = sum(float(r["value"][1]) for r in query(f"sum_over_time(up[{window}])"))
# resets() drops the metric name, so one query per counter family keeps series apart.
with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/label/__name__/values", timeout=60) as r:
    names = [n for n in json.load(r)["data"] if n.endswith(("_total", "_bucket", "_count"))]
resets, n_counters = [], 0
for name in names:
    n_counters += len(query(f"count_over_time({name}[{window}])"))
    resets += [dict(r, metric=dict(r["metric"], __name__=name)) for r in query(f"resets({name}[{window}]) > 0")]

rows = list(csv.DictReader(open(f"{out}/samples.csv")))
lines, ok = [], True
# Judged over the second half: in the first the processes fill what they keep by design
# (llmmon top: 500 log lines, its rate window; the exporter: every series the scenarios
# and faults bring), so a leak is a slope that goes on after that.
warm = duration // 2
lines.append("| process | field | first | last | min | max | slope per 10 min | residual sd | flat |")
lines.append("|---|---|---|---|---|---|---|---|---|")
for proc in ["exporter", "top", "prometheus"]:
    for field in ["rss_kib", "fds", "threads"]:
        pts = [(int(r["t_s"]), float(r[field])) for r in rows if r["process"] == proc and int(r["t_s"]) >= warm]
        if len(pts) < 3:
            continue
        xs, ys = zip(*pts)
        slope, icept = statistics.linear_regression(xs, ys)
        sd = statistics.pstdev([y - (slope * x + icept) for x, y in pts])
        drift = abs(slope) * (xs[-1] - xs[0])
        # Flat: the fitted drift over the run is within the noise (3 sd), or under 2 % of the
        # level (RSS) / one unit (fds, threads).
        floor = 0.02 * statistics.mean(ys) if field == "rss_kib" else 1.0
        flat = drift <= max(3 * sd, floor)
        # Prometheus itself grows with its head block: reported, not judged.
        if proc != "prometheus":
            ok &= flat
        lines.append(f"| {proc} | {field} | {ys[0]:.0f} | {ys[-1]:.0f} | {min(ys):.0f} | {max(ys):.0f} "
                     f"| {slope * 600:+.1f} | {sd:.1f} | {'yes' if flat else 'NO'}"
                     f"{'' if proc != 'prometheus' else ' (not judged)'} |")
failed = scrapes - ups
ok &= failed == 0 and not resets and scrapes > 0
summary = [
    f"duration {duration} s, {switches} switches of scenario/faults, {len(rows) // 3} samples per process",
    f"RSS, fds and threads judged from {warm} s on (first/last/min/max and the fit over that half)",
    f"scrapes {scrapes:.0f}, failed {failed:.0f}",
    f"counter and bucket series checked {n_counters}, went backwards {len(resets)}",
]
for r in resets[:10]:
    summary.append(f"  reset: {r['metric']}")
report = "\n".join(summary + [""] + lines + ["", "verdict: " + ("pass" if ok else "FAIL")])
open(f"{out}/report.md", "w").write(report + "\n")
print(report)
sys.exit(0 if ok else 1)
EOF
