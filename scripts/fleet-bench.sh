#!/usr/bin/env bash
# The fleet benchmark (docs/benchmarks.md "A fleet"): N simulated servers, each the
# reference server (`llmmon-exporter all --source sim`, its own host name and seed, 30 s
# collections) with a real Prometheus (30 s scrape) remote-writing through the shipped
# render-fleet.sh into one real VictoriaMetrics. After SECONDS it reports VictoriaMetrics'
# active series, ingestion rate, RSS and disk growth, the remote-write bytes a server
# sends a second, the Fleet overview dashboard's queries (p95 over 20 runs, range over
# what was collected), and `llmmon status --fleet` / `top --fleet` against the store.
#   scripts/fleet-bench.sh [N=10] [SECONDS=300]
# Needs prometheus and victoria-metrics (Debian), the debug llmmon-exporter and a release
# llmmon (cargo build -p llmmon-exporter; cargo build --release -p llmmon --bin llmmon).
# Ports 33400-34099 on 127.0.0.1; scratch in /tmp/llmmon-fleet-bench.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-10}
seconds=${2:-300}
exporter=${EXPORTER:-target/debug/llmmon-exporter}
llmmon=${LLMMON:-target/release/llmmon}
work=/tmp/llmmon-fleet-bench
rm -rf "$work" && mkdir -p "$work"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

vm=127.0.0.1:33428
victoria-metrics -httpListenAddr=$vm -storageDataPath="$work/vm" -retentionPeriod=30d \
  -search.latencyOffset=1s >"$work/vm.log" 2>&1 &
vm_pid=$!
pids+=("$vm_pid")
sleep 2

roles=(gpu containers node cadvisor dcgm vllm litellm langfuse)
for i in $(seq 1 "$n"); do
  host=$(printf 'llm-h200-%02d' "$i")
  base=$((33500 + i * 10))
  env_args=(LLMMON_COLLECT__INTERVAL_S=30 LLMMON_SIM__SEED=$((42 + (i - 1) * 7919)) LLMMON_SIM__HOSTNAME="$host")
  for k in "${!roles[@]}"; do
    env_args+=("LLMMON_LISTEN__$(echo "${roles[$k]}" | tr a-z A-Z)=127.0.0.1:$((base + k))")
  done
  env "${env_args[@]}" "$exporter" all --source sim >"$work/exporter-$i.log" 2>&1 &
  pids+=("$!")
  # The shipped local config, each job on this server's port, through render-fleet.sh.
  python3 - "$base" "$work/local-$i.yml" <<'PY'
import sys, re
base, out = int(sys.argv[1]), sys.argv[2]
ports = {"gpu": 0, "containers": 1, "node": 2, "cadvisor": 3, "dcgm": 4, "vllm": 5, "litellm": 6, "langfuse": 7}
text = open("compose/config/prometheus/prometheus.local.yml").read()
jobs = text.split("\n  - job_name: ")
head, kept = jobs[0], []
for job in jobs[1:]:
    name = job.split("\n", 1)[0].strip()
    if name in ports:
        kept.append(re.sub(r'targets: \["[^"]+"\]', f'targets: ["127.0.0.1:{base + ports[name]}"]', job))
head = re.sub(r"(?s)\nrule_files:.*?\nscrape_configs:", "\nscrape_configs:", head)
open(out, "w").write(head + "".join("\n  - job_name: " + j for j in kept) + "\n")
PY
  FLEET_BASE_CONFIG="$work/local-$i.yml" FLEET_TEMPLATE=compose/config/prometheus/remote-write.yml \
    FLEET_CONFIG_OUT="$work/prometheus-$i.yml" FLEET_SECRETS_DIR="$work" \
    FLEET_REMOTE_WRITE_URL="http://$vm/api/v1/write" FLEET_HOST="$host" FLEET_CLUSTER=bench \
    sh compose/config/prometheus/render-fleet.sh
  prometheus --config.file="$work/prometheus-$i.yml" --storage.tsdb.path="$work/prom-$i" \
    --web.listen-address=127.0.0.1:$((33700 + i)) >"$work/prometheus-$i.log" 2>&1 &
  pids+=("$!")
done

metric() { curl -s "http://$1/metrics" | awk -v m="$2" '$1 ~ "^"m {s += $2} END {printf "%.0f\n", s}'; }
echo "fleet-bench: $n servers started; collecting for ${seconds}s"
sleep 90
t0=$(date +%s.%N)
rows0=$(metric $vm 'vm_rows_inserted_total')
disk0=$(metric $vm 'vm_data_size_bytes')
sent0=0
for i in $(seq 1 "$n"); do sent0=$((sent0 + $(metric 127.0.0.1:$((33700 + i)) 'prometheus_remote_storage_bytes_total'))); done
sleep "$seconds"
t1=$(date +%s.%N)
rows1=$(metric $vm 'vm_rows_inserted_total')
disk1=$(metric $vm 'vm_data_size_bytes')
sent1=0
for i in $(seq 1 "$n"); do sent1=$((sent1 + $(metric 127.0.0.1:$((33700 + i)) 'prometheus_remote_storage_bytes_total'))); done
dt=$(echo "$t1 - $t0" | bc -l)
series=$(curl -s "http://$vm/api/v1/query" --data-urlencode 'query=count({__name__=~".+"})' | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["result"][0]["value"][1])')
rss=$(awk '/VmRSS/ {print $2}' /proc/$vm_pid/status)
printf 'servers %s, window %.0f s\n' "$n" "$dt"
printf 'active series %s (%.0f a server)\n' "$series" "$(echo "$series / $n" | bc -l)"
printf 'ingestion %.0f samples/s\n' "$(echo "($rows1 - $rows0) / $dt" | bc -l)"
printf 'VictoriaMetrics RSS %.0f MiB\n' "$(echo "$rss / 1024" | bc -l)"
# vm_data_size_bytes: what the store holds on disk and in its in-memory parts, compressed.
printf 'VictoriaMetrics data growth %.1f MB/day (%.2f MB/day a server)\n' \
  "$(echo "($disk1 - $disk0) / $dt * 86400 / 1000000" | bc -l)" "$(echo "($disk1 - $disk0) / $dt * 86400 / 1000000 / $n" | bc -l)"
printf 'remote write %.0f bytes/s a server\n' "$(echo "($sent1 - $sent0) / $dt / $n" | bc -l)"

# The Fleet overview's queries over what was collected, 20 runs each: p95 of the slowest.
python3 - "$vm" <<'PY'
import json, sys, time, urllib.parse, urllib.request
vm = sys.argv[1]
dash = json.load(open("dashboards/infrastructure/fleet.json"))
exprs = []
def walk(panels):
    for p in panels:
        walk(p.get("panels", []))
        for t in p.get("targets", []):
            if "expr" in t:
                exprs.append(t["expr"])
walk(dash["panels"])
now = time.time()
worst = []
for e in exprs:
    q = e.replace("$host", ".*").replace("$__rate_interval", "2m").replace("$__interval", "1m").replace("$__range", "1h")
    times = []
    for _ in range(20):
        url = f"http://{vm}/api/v1/query_range?" + urllib.parse.urlencode({"query": q, "start": now - 3600, "end": now, "step": 60})
        t = time.time(); urllib.request.urlopen(url).read(); times.append(time.time() - t)
    times.sort()
    worst.append(times[int(0.95 * len(times)) - 1])
print(f"fleet overview: {len(exprs)} queries, p95 of the slowest {max(worst) * 1000:.1f} ms, sum of p95s {sum(worst) * 1000:.1f} ms (1 h range, 1 min step)")
PY

# llmmon status --fleet: the cost of one fleet refresh.
start=$(date +%s.%N)
for _ in $(seq 1 10); do "$llmmon" --json status --fleet "http://$vm" >"$work/status.json" || true; done
end=$(date +%s.%N)
printf 'llmmon status --fleet: %.0f ms a read (%s servers in it)\n' \
  "$(echo "($end - $start) * 100" | bc -l)" "$(python3 -c 'import json; print(len(json.load(open("'"$work"'/status.json"))))')"
# llmmon top --fleet at a 1 s refresh for 60 s in tmux: CPU share of one core.
tmux -L fleet-bench new-session -d -x 80 -y 24 "$llmmon top --fleet http://$vm --interval 1"
sleep 5
top_pid=$(pgrep -f "^$llmmon top --fleet" | head -1)
c0=$(awk '{print $14 + $15}' /proc/"$top_pid"/stat)
sleep 60
c1=$(awk '{print $14 + $15}' /proc/"$top_pid"/stat)
tmux -L fleet-bench kill-server
printf 'llmmon top --fleet at 1 s: %.2f %% of a core\n' "$(echo "($c1 - $c0) / $(getconf CLK_TCK) / 60 * 100" | bc -l)"
