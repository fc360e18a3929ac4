#!/usr/bin/env bash
# Long fuzz run: the property-based targets of exporter/tests/integration/fuzz.rs and
# tests/integration/fuzz_cli.rs with many inputs each, in release mode, one target at a time,
# each under a wall-clock limit (a hang fails the run). Prints "fuzz <target>: <n> inputs in
# <s> s (<rate>/s)".
#
#   scripts/fuzz.sh                 # 1 000 000 inputs per target
#   CASES=100000 scripts/fuzz.sh    # fewer
#   FUZZ_SEED=42 scripts/fuzz.sh    # replay one seed (random otherwise)
#   LIMIT_S=3600 scripts/fuzz.sh    # wall-clock limit per target (default 7200 s)
set -euo pipefail
cd "$(dirname "$0")/.."
CASES="${CASES:-1000000}"
LIMIT_S="${LIMIT_S:-7200}"
export CARGO_TERM_QUIET=true

# Built once (each package's one integration-test binary); the binaries are then run directly,
# so edits elsewhere in the tree during a long run do not trigger rebuilds.
bin() {
  cargo test --release -p "$1" --test integration --no-run --message-format=json 2>/dev/null |
    grep -o "\"executable\":\"[^\"]*/deps/integration-[^\"]*\"" | tail -1 | cut -d'"' -f4
}
declare -A BIN
BIN[fuzz]=$(bin llmmon-exporter)
BIN[fuzz_cli]=$(bin llmmon)

# target (test function), package, test module, inputs.
run() {
  local test=$1 module=$3 n=$4
  echo "== $test ($n inputs, limit ${LIMIT_S}s)" >&2
  if ! PROPTEST_CASES="$n" timeout "$LIMIT_S" \
      "${BIN[$module]}" --exact "$module::$test" --nocapture --test-threads 1 \
      2>&1 | grep -oE 'fuzz [a-z0-9_]+: .*|panicked.*|minimal failing.*|^test result.*' ; then
    echo "FAILED or timed out: $test" >&2
    return 1
  fi
}

status=0
for t in fast_reader_and_full_parser_agree exposition_readers_survive_arbitrary_text \
         vllm_normalisation_takes_any_exposition vllm_source_reads_anything_and_its_output_parses_again \
         litellm_payload_readers_take_any_json langfuse_source_reads_anything_and_its_output_parses_again \
         announcement_text_is_always_safe announcement_validator_takes_any_draft \
         configuration_takes_any_toml configuration_takes_any_environment; do
  run "$t" llmmon-exporter fuzz "$CASES" || status=1
done
for t in since_parsing_takes_any_text ages_count_back_exactly written_times_read_back; do
  run "$t" llmmon fuzz_cli "$CASES" || status=1
done
exit $status
