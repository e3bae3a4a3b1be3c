#!/usr/bin/env bash
# Times daemonlint against peer tools installed on this machine, on the same generated files in
# the same run: checkov (pip install checkov), kubeconform and trivy when on PATH. By hand only.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet --example generate
cargo build --release --quiet
dir=target/bench/1000
[ -d "$dir" ] || target/release/examples/generate 1000 "$dir"
# Best of three runs, so every tool gets a warm page cache.
seconds() {
    local best="" start end t
    for _ in 1 2 3; do
        start=$(date +%s%N)
        "$@" >/dev/null 2>&1 || true
        end=$(date +%s%N)
        t=$((end - start))
        if [ -z "$best" ] || [ "$t" -lt "$best" ]; then best=$t; fi
    done
    echo "scale=3; $best / 1000000000" | bc
}
d=$(seconds target/release/daemonlint --format json --fail-on never "$dir")
echo "daemonlint   ${d} s"
for tool in kubeconform checkov trivy; do
    command -v "$tool" >/dev/null || { echo "$tool       not installed"; continue; }
    case $tool in
        kubeconform) t=$(seconds kubeconform -summary "$dir") ;;
        checkov) t=$(seconds checkov -d "$dir" --framework kubernetes --quiet --compact) ;;
        trivy) t=$(seconds trivy config "$dir") ;;
    esac
    echo "$tool $(printf '%8s' "$t") s  ($(echo "scale=0; $t / $d" | bc)x daemonlint's time)"
done
