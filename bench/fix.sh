#!/usr/bin/env bash
# Times `--fix` and `--diff` against a plain lint on 1,000 generated files that each have a
# safe fix (issue 12 asks for `--fix` within 2x of a plain lint). Prints best-of-N wall and
# CPU seconds per mode, the spread over the runs (worst minus best), and each mode's ratio
# to the plain lint. See bench/fix.md for how the file system weighs on the `--fix` rows.
# Run by hand: `bash bench/fix.sh` (RUNS=n sets the repetitions; BIN=path measures another
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

# Best of `runs`: "best_wall best_cpu worst_wall worst_cpu".
best_of() {
    local all=()
    for _ in $(seq "$runs"); do
        all+=("$(measure "$@")")
    done
    printf '%s\n' "${all[@]}" | awk 'NR == 1 { bw = ww = $1; bc = wc = $2 }
        { if ($1 < bw) bw = $1; if ($1 > ww) ww = $1; if ($2 < bc) bc = $2; if ($2 > wc) wc = $2 }
        END { print bw, bc, ww, wc }'
}

echo "machine: $(nproc) cores, $(uname -sm); $("$bin" --version); best of $runs; CPU from $([ "$perf" = yes ] && echo "perf stat" || echo /usr/bin/time)"
read -r lint_w lint_c lint_ww lint_wc <<<"$(best_of reuse "$work/generated")"
printf '%-28s %8s %8s %16s %9s %9s\n' mode wall_s cpu_s "spread(wall,cpu)" wall_x cpu_x
row() {
    local label=$1 w=$2 c=$3 ww=$4 wc=$5
    awk -v l="$label" -v w="$w" -v c="$c" -v ww="$ww" -v wc="$wc" -v lw="$lint_w" -v lc="$lint_c" \
        'BEGIN { printf "%-28s %8.3f %8.3f %7.3f,%7.3f %8.2fx %8.2fx\n", l, w, c, ww - w, wc - c, w / lw, c / lc }'
}
row "lint" "$lint_w" "$lint_c" "$lint_ww" "$lint_wc"
read -r w c ww wc <<<"$(best_of reuse "$work/generated" --diff)"
row "--diff (1,000 diffs)" "$w" "$c" "$ww" "$wc"
read -r w c ww wc <<<"$(best_of fresh "" --fix)"
row "--fix (1,000 rewritten)" "$w" "$c" "$ww" "$wc"
read -r w c ww wc <<<"$(best_of reuse "$work/clean" --fix)"
row "--fix (nothing to fix)" "$w" "$c" "$ww" "$wc"
