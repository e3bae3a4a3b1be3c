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

# Best of five runs: wall-clock ms, and the CPU ms (user + sys) of that run, which a busy
# machine inflates less.
best() {
    local best="" cpu=""
    for _ in 1 2 3 4 5; do
        local t
        t=$( { TIMEFORMAT='%R %U %S'; time "$@" >/dev/null 2>&1 || true; } 2>&1 | tail -1)
        read -r real user sys <<<"$t"
        local ms cms
        ms=$(python3 -c "print(round($real * 1000))")
        cms=$(python3 -c "print(round(($user + $sys) * 1000))")
        if [ -z "$best" ] || [ "$ms" -lt "$best" ]; then best=$ms; cpu=$cms; fi
    done
    echo "$best ms wall, $cpu ms CPU"
}

size=$(du -m "$out/nodes.yaml" | cut -f1)
for format in human json; do
    took=$(best "$bin" coverage --format "$format" --nodes "$out/nodes.yaml" "$out/deploy")
    echo "coverage --format $format: $took ($nodes nodes in ${size} MB, $daemonsets DaemonSets)"
done
