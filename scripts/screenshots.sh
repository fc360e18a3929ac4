#!/usr/bin/env bash
# The README's pictures, made from the real programs (run it after a change that shows):
#   docs/img/top-normal.png     `llmmon top --demo` at 120x40, scenario normal
#   docs/img/top-fault.png      the same with --fault gpu_overheat --fault container_crash_loop
#   docs/img/status-desktop.png the announcements service's status page, 1280 wide
#   docs/img/status-phone.png   the same, 390 wide (a phone's touch viewport)
# `llmmon top` runs in a detached tmux session; its pane is captured with colours
# (`tmux capture-pane -e`), turned into HTML by scripts/ansi2html.py and photographed by
# headless Chromium. The status page is the announcements service on example data
# (announcements/examples/status_page.rs), photographed over DevTools.
# Needs tmux, chromium and python3 (apt-get install -y tmux chromium python3).
set -euo pipefail
cd "$(dirname "$0")/.."

for tool in tmux chromium python3; do
  command -v "$tool" >/dev/null || {
    echo "screenshots.sh: $tool is missing: apt-get install -y --no-install-recommends $tool" >&2
    exit 1
  }
done
python3 scripts/ansi2html.py --self-test

out=docs/img
target=${CARGO_TARGET_DIR:-target}
cargo build --locked -p llmmon --bin llmmon
cargo build --locked -p llmmon-announcements --example status_page
llmmon=$target/debug/llmmon
mkdir -p "$out"
scratch=$(mktemp -d)
socket=llmmon-shots-$$
cleanup() {
  tmux -L "$socket" kill-server 2>/dev/null || true
  rm -rf "$scratch"
}
trap cleanup EXIT

# An HTML page as a PNG of exactly WIDTHxHEIGHT.
photograph() {
  local html=$1 png=$2 size=$3
  chromium --headless=new --no-sandbox --disable-gpu --hide-scrollbars \
    --force-device-scale-factor=1 --user-data-dir="$scratch/profile" \
    --window-size="$size" --screenshot="$png" "file://$html" >/dev/null 2>&1
  test -s "$png" || { echo "screenshots.sh: chromium wrote no $png" >&2; exit 1; }
}

# `llmmon top --demo ARGS` at 120x40, captured once the GPU grid and traffic have data.
top_shot() {
  local name=$1; shift
  tmux -L "$socket" new-session -d -s "$name" -x 120 -y 40 \
    "env -u NO_COLOR TERM=tmux-256color $llmmon top --demo $*; sleep 60"
  local ready=""
  for _ in $(seq 1 60); do
    if tmux -L "$socket" capture-pane -p -t "$name" | grep -q "GPU 7"; then ready=1; break; fi
    sleep 0.5
  done
  test -n "$ready" || { echo "screenshots.sh: top --demo $* drew no GPU grid" >&2; exit 1; }
  # Sparklines and per-minute rates fill in over a few refreshes.
  sleep 12
  tmux -L "$socket" capture-pane -e -p -t "$name" >"$scratch/$name.ansi"
  tmux -L "$socket" kill-session -t "$name"
  python3 scripts/ansi2html.py --cols 120 --rows 40 --title "llmmon top --demo $*" \
    <"$scratch/$name.ansi" >"$scratch/$name.html"
  # 120 columns of 15px DejaVu Sans Mono (9.03px each) and 40 rows of 17px (no gaps
  # between box-drawing lines), 10px padding.
  photograph "$scratch/$name.html" "$out/$name.png" 1104,700
  echo "$out/$name.png"
}

top_shot top-normal --scenario normal
top_shot top-fault --fault gpu_overheat --fault container_crash_loop
"$target/debug/examples/status_page" shots "$out"
ls -l "$out"
