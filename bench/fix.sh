#!/usr/bin/env bash
# Times `--fix` and `--diff` against a plain lint on 1,000 generated files that each have a
# safe fix (issue 12 asks for `--fix` within 2x of a plain lint). Prints per mode the best
# wall and CPU seconds over N rounds, the spread (worst minus best), and the median over the
# rounds of its ratio to that round's plain lint. See bench/fix.md for how the file system weighs on the `--fix` rows.
# Run by hand: `bash bench/fix.sh` (RUNS=n sets the rounds; BIN=path measures another
# build; not part of CI).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-7}
bin=${BIN:-target/release/daemonlint}
cargo build --release --quiet --example generate
[ -n "${BIN:-}" ] || cargo build --release --quiet
work=$(mktemp -d "${TMPDIR:-/tmp}/daemonlint-fixbench.XXXXXX")
trap 'rm -rf "$work"' EXIT

# The benchmark generator's files, each with a deprecated `beta.kubernetes.io/os` node selector
# (DS703, a safe fix), so `--fix` rewrites every one of them.
target/release/examples/generate 1000 "$work/generated" >/dev/null 2>&1
sed -i 's/^        kubernetes\.io\/os: linux/        beta.kubernetes.io\/os: linux/' "$work"/generated/*.yaml
fixable=$(grep -l '^        beta\.kubernetes\.io/os: linux' "$work"/generated/*.yaml | wc -l)
[ "$fixable" -eq 1000 ] || { echo "expected 1000 fixable files, got $fixable" >&2; exit 1; }
cp -r "$work/generated" "$work/clean"
"$bin" --no-config --fix "$work/clean" >/dev/null 2>&1 || true

common=(--no-config --fail-on never --format concise)
perf=no
perf stat -e task-clock -o /dev/null true >/dev/null 2>&1 && perf=yes

# One run: "wall cpu" in seconds. Wall from the clock around it, CPU from `perf stat`
# (task-clock, all threads) when perf works here, else from /usr/bin/time (10 ms ticks).
# `fresh` copies the generated files first (not timed), so every `--fix` run rewrites all
# 1,000 files.
measure() {
    local fresh=$1 dir=$2
    shift 2
    if [ "$fresh" = fresh ]; then
        rm -rf "$work/run"
        cp -r "$work/generated" "$work/run"
        dir=$work/run
    fi
    local start end cpu
    start=$(date +%s%N)
    if [ "$perf" = yes ]; then
        perf stat -x, -e task-clock -o "$work/time" "$bin" "${common[@]}" "$@" "$dir" >/dev/null 2>&1 || true
        end=$(date +%s%N)
        cpu=$(awk -F, '/task-clock/ { printf "%.4f", $1 / 1000 }' "$work/time")
    else
        /usr/bin/time -f '%U %S' -o "$work/time" "$bin" "${common[@]}" "$@" "$dir" >/dev/null 2>&1 || true
        end=$(date +%s%N)
        # The last line: a failing run's first line says so.
        cpu=$(tail -n 1 "$work/time" | awk '{ printf "%.4f", $1 + $2 }')
    fi
    awk -v ns=$((end - start)) -v cpu="$cpu" 'BEGIN { printf "%.4f %s\n", ns / 1e9, cpu }'
}

# The modes run in turn within each round, so a round's ratios compare runs made under the
# same load: on a shared machine the load drifts more between rounds than the modes differ.
modes=(lint diff fix clean)
for _ in $(seq "$runs"); do
    echo "lint $(measure reuse "$work/generated")"
    echo "diff $(measure reuse "$work/generated" --diff)"
    echo "fix $(measure fresh "" --fix)"
    echo "clean $(measure reuse "$work/clean" --fix)"
done >"$work/rounds"

echo "machine: $(nproc) cores, $(uname -sm); $("$bin" --version); $runs rounds; CPU from $([ "$perf" = yes ] && echo "perf stat" || echo /usr/bin/time)"
printf '%-26s %8s %8s %17s %10s %10s\n' mode wall_s cpu_s "spread(wall,cpu)" "wall_x" "cpu_x"
label() {
    case $1 in
        lint) echo "lint" ;;
        diff) echo "--diff (1,000 diffs)" ;;
        fix) echo "--fix (1,000 rewritten)" ;;
        clean) echo "--fix (nothing to fix)" ;;
    esac
}
# Per mode: the best wall and CPU over the rounds, worst minus best, and the median over the
# rounds of the mode's time divided by that round's plain lint.
for mode in "${modes[@]}"; do
    awk -v mode="$mode" -v l="$(label "$mode")" '
        $1 == "lint" { lw = $2; lc = $3 }
        $1 == mode {
            n++; w[n] = $2; c[n] = $3; rw[n] = $2 / lw; rc[n] = $3 / lc
        }
        function median(a, n,    i, j, t) {
            for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j] < a[j - 1]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
            return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
        }
        END {
            bw = ww = w[1]; bc = wc = c[1]
            for (i = 2; i <= n; i++) {
                if (w[i] < bw) bw = w[i]; if (w[i] > ww) ww = w[i]
                if (c[i] < bc) bc = c[i]; if (c[i] > wc) wc = c[i]
            }
            printf "%-26s %8.3f %8.3f %8.3f,%8.3f %9.2fx %9.2fx\n", l, bw, bc, ww - bw, wc - bc, median(rw, n), median(rc, n)
        }' "$work/rounds"
done
