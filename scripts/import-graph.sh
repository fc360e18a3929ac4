#!/usr/bin/env bash
# Prints the workspace's module import graph (Graphviz DOT) as tests/integration/layering.rs reads
# it: a crate's top-level modules are the nodes, `crate::`, `super::` and other crates' paths the
# arrows. Render with `scripts/import-graph.sh | dot -Tsvg > graph.svg`.
set -euo pipefail
cd "$(dirname "$0")/.."
LLMMON_IMPORT_GRAPH=dot cargo test -q --test integration layering::the_module_graph_has_no_circle -- --nocapture 2>/dev/null |
    sed -n '/^digraph/,/^}/p'
