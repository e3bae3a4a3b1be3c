#!/usr/bin/env bash
# Hostile-but-small inputs that once took quadratic time or memory, and a normal manifest for
# comparison. Each case runs with `--format json` and with the default human output under
# /usr/bin/time, and must finish in under 2 s and 500 MB. Run by hand: `bash bench/scaling.sh`
# (BIN=path overrides the binary, e.g. to measure an older build).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${BIN:-target/release/daemonlint}
[ -n "${BIN:-}" ] || cargo build --release --quiet
out=target/scaling
mkdir -p "$out"
limit_s=${LIMIT_S:-2}
limit_kb=${LIMIT_KB:-512000}

python3 - "$out" <<'PY'
import sys
out = sys.argv[1]
ds = """apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: agent
spec:
  selector:
    matchLabels: {app: agent}
  template:
    metadata:
      labels: {app: agent}
    spec:
      priorityClassName: system-node-critical
      tolerations:
      - operator: Exists
      containers:
      - name: agent
        image: example.com/agent:1.0.0
        resources:
          requests: {cpu: 100m, memory: 64Mi}
          limits: {cpu: 100m, memory: 64Mi}
        volumeMounts:
        - {name: proc, mountPath: /host/proc, readOnly: true}
      volumes:
      - {name: proc, hostPath: {path: /proc}}
"""
with open(f"{out}/normal.yaml", "w") as f:
    f.write(ds)
# A mapping with 100k keys plus a merge of a 50k-key anchor.
with open(f"{out}/merge.yaml", "w") as f:
    f.write("base: &b\n")
    f.writelines(f"  b{i}: {i}\n" for i in range(50_000))
    f.write("merged:\n  <<: *b\n")
    f.writelines(f"  k{i}: {i}\n" for i in range(100_000))
# Flow sequences whose continuation lines are indented less than YAML requires (kubectl accepts
# this): 60 such lines after a 150k-line ConfigMap (each line was once a re-parse of the whole
# file), and 150k such lines (once beyond the repair's limit).
def underindented(lines):
    return ds.replace("        image:", "        args: [\n" + '"-x",\n' * lines + "        ]\n        image:")
with open(f"{out}/repair.yaml", "w") as f:
    f.write("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: big}\ndata:\n")
    f.writelines(f"  key{i}: value {i}\n" for i in range(150_000))
    f.write("---\n" + underindented(60))
with open(f"{out}/repair-wide.yaml", "w") as f:
    f.write(underindented(150_000))
# 200 nested anchors around a 100k-item list: each anchor used to copy its whole subtree.
with open(f"{out}/anchors.yaml", "w") as f:
    depth = 190
    f.write("".join(f"&a{i} [" for i in range(depth)))
    f.write(", ".join(["x"] * 100_000))
    f.write("]" * depth + "\n")
# What the human renderer once choked on: a finding past column 65,535 (minified JSON from
# `kubectl get ds -o json`), 10k duplicate keys on one 50 KB line, 2,000 DaemonSets in a stream.
import json
obj = {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "agent",
       "annotations": {f"note{i}": "x" * 20 for i in range(3000)}},
       "spec": {"selector": {"matchLabels": {"app": "agent"}}, "template": {
           "metadata": {"labels": {"app": "agent"}}, "spec": {"containers": [{
               "name": "agent", "image": "example.com/agent:1.0.0",
               "securityContext": {"privileged": True}}]}}}}
with open(f"{out}/longline.json", "w") as f:
    f.write(json.dumps(obj, separators=(",", ":")) + "\n")
with open(f"{out}/dupkeys.yaml", "w") as f:
    f.write(ds.replace("labels: {app: agent}", "labels: {" + ", ".join(["app: agent"] * 10_000) + "}"))
with open(f"{out}/stream.yaml", "w") as f:
    f.write(("---\n" + ds.replace("      tolerations:\n      - operator: Exists\n", "")) * 2000)
PY

# case file expected-exit expected-rule (a rule that must be among the findings, or - for none)
cases=(
    "normal normal.yaml 1 DS701"
    "merge merge.yaml 0 -"
    "repair repair.yaml 1 DS701"
    "wide repair-wide.yaml 1 DS701"
    "anchors anchors.yaml 1 DS001"
    "longline longline.json 1 DS303"
    "dupkeys dupkeys.yaml 1 DS002"
    "stream stream.yaml 1 DS304"
)
status=0
printf '%-8s %-6s %10s %12s %5s  %s\n' case format time memory exit finding
for c in "${cases[@]}"; do
    read -r name file want_exit want_rule <<<"$c"
    size=$(du -k "$out/$file" | cut -f1)
    for format in json human; do
        args=(--no-config "$out/$file")
        [ "$format" = json ] && args=(--format json "${args[@]}")
        set +e
        /usr/bin/time -f "%e %M" -o "$out/time" timeout "${TIMEOUT_S:-60}" "$bin" "${args[@]}" >"$out/$name.$format.out" 2>/dev/null
        code=$?
        set -e
        read -r secs kb < <(tail -n 1 "$out/time")
        first=-
        if [ "$format" = json ]; then
            first=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))["diagnostics"]; w=sys.argv[2]; print(w if (w in {x["code"] for x in d} or (w == "-" and not d)) else ",".join(sorted({x["code"] for x in d})) or "-")' "$out/$name.json.out" "$want_rule" 2>/dev/null || echo "?")
        fi
        printf '%-8s %-6s %8s s %9s KB %5s  %s  (%s KB input)\n' "$name" "$format" "$secs" "$kb" "$code" "$first" "$size"
        if [ "$code" != "$want_exit" ] || { [ "$format" = json ] && [ "$first" != "$want_rule" ]; }; then
            echo "  FAIL: expected exit $want_exit and finding $want_rule" >&2
            status=1
        fi
        if python3 -c 'import sys; sys.exit(0 if float(sys.argv[1]) < float(sys.argv[2]) and int(sys.argv[3]) < int(sys.argv[4]) else 1)' "$secs" "$limit_s" "$kb" "$limit_kb"; then :; else
            echo "  FAIL: over ${limit_s} s or ${limit_kb} KB" >&2
            status=1
        fi
    done
done
exit $status
