#!/usr/bin/env bash
# Times `daemonlint coverage` on a generated cluster: 5,000 nodes as `kubectl get nodes -o yaml`
# prints them (about 15 MB) against 100 DaemonSets. Prints the best of five runs for the human
# and the JSON report. Run by hand: `bash bench/coverage.sh [NODES] [DAEMONSETS]`.
set -euo pipefail
cd "$(dirname "$0")/.."
nodes=${1:-5000}
daemonsets=${2:-100}
out=target/bench/coverage-$nodes-$daemonsets
[ -f "$out/nodes.yaml" ] || python3 bench/coverage_gen.py "$nodes" "$daemonsets" "$out"
cargo build --release --quiet
bin=target/release/daemonlint

best_ms() {
    local best=""
    for _ in 1 2 3 4 5; do
        local start end
        start=$(date +%s%N)
        "$@" >/dev/null || true
        end=$(date +%s%N)
        local t=$(( (end - start) / 1000000 ))
        if [ -z "$best" ] || [ "$t" -lt "$best" ]; then best=$t; fi
    done
    echo "$best"
}

size=$(du -m "$out/nodes.yaml" | cut -f1)
for format in human json; do
    ms=$(best_ms "$bin" coverage --format "$format" --nodes "$out/nodes.yaml" "$out/deploy")
    echo "coverage --format $format: $ms ms ($nodes nodes in ${size} MB, $daemonsets DaemonSets)"
done
