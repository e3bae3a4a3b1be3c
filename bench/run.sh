#!/usr/bin/env bash
# Times daemonlint on generated manifests: 1,000 files, 10,000 files and a single file.
# Prints files/s, documents/s and MB/s. Run by hand: `bash bench/run.sh` (not part of CI).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet --example generate
cargo build --release --quiet
bin=target/release/daemonlint
out=target/bench
for n in 1000 10000; do
    [ -d "$out/$n" ] || target/release/examples/generate "$n" "$out/$n"
done

# Best of several runs, in seconds.
time_best() {
    local best=""
    for _ in 1 2 3 4 5; do
        local start end
        start=$(date +%s%N)
        "$@" >/dev/null || true
        end=$(date +%s%N)
        local t=$(( end - start ))
        if [ -z "$best" ] || [ "$t" -lt "$best" ]; then best=$t; fi
    done
    echo "$best"
}

report() {
    local label=$1 path=$2
    local ns summary files docs bytes
    ns=$(time_best "$bin" --format json --fail-on never "$path")
    summary=$("$bin" --format json --fail-on never "$path" | python3 -c 'import json,sys; s=json.load(sys.stdin)["summary"]; print(s["files"], s["documents"])')
    read -r files docs <<<"$summary"
    bytes=$(du -sb "$path" | cut -f1)
    python3 - "$label" "$ns" "$files" "$docs" "$bytes" <<'PY'
import sys
label, ns, files, docs, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
s = ns / 1e9
print(f"{label:<14} {s*1000:8.1f} ms  {files/s:10.0f} files/s  {docs/s:10.0f} docs/s  {size/s/1e6:7.1f} MB/s  ({files} files, {docs} docs, {size/1e6:.1f} MB)")
PY
}

echo "machine: $(nproc) cores, $(uname -sm); $($bin --version)"
report "1 file" "$out/1000/agent-00001.yaml"
report "1,000 files" "$out/1000"
report "10,000 files" "$out/10000"
if [ -d ../shared/corpus/plain ]; then
    report "corpus" ../shared/corpus/plain
fi
