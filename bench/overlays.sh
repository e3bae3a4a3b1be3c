#!/usr/bin/env bash
# Times a lint of a kustomize tree: one base and N overlays (default 50), each with a
# strategic-merge patch and an `images:` transformer, beside 200 plain manifests. Every overlay
# is a leaf, so each is rendered with the installed kustomize (or `kubectl kustomize`).
# Prints the best of three runs. Run by hand: `bash bench/overlays.sh [OVERLAYS]`.
set -euo pipefail
cd "$(dirname "$0")/.."
overlays=${1:-50}
out=target/bench/overlays-$overlays
rm -rf "$out"
mkdir -p "$out/base" "$out/plain"
cat >"$out/base/daemonset.yaml" <<'YAML'
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: log-shipper
  namespace: logging
spec:
  selector:
    matchLabels: {app: log-shipper}
  template:
    metadata:
      labels: {app: log-shipper}
    spec:
      containers:
        - name: shipper
          image: cr.fluentbit.io/fluent/fluent-bit:3.1.4
          volumeMounts:
            - {name: varlog, mountPath: /var/log, readOnly: true}
      volumes:
        - name: varlog
          hostPath: {path: /var/log}
YAML
printf 'resources:\n- daemonset.yaml\n' >"$out/base/kustomization.yaml"
for i in $(seq 1 "$overlays"); do
    d="$out/overlays/env-$i"
    mkdir -p "$d"
    cat >"$d/kustomization.yaml" <<YAML
resources:
- ../../base
patches:
- path: resources.yaml
images:
- name: cr.fluentbit.io/fluent/fluent-bit
  newTag: "3.1.$i"
YAML
    cat >"$d/resources.yaml" <<YAML
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: log-shipper
  namespace: logging
spec:
  template:
    spec:
      containers:
        - name: shipper
          resources:
            limits: {memory: ${i}0Mi}
YAML
done
for i in $(seq 1 200); do
    sed "s/name: log-shipper$/name: plain-$i/" "$out/base/daemonset.yaml" >"$out/plain/ds-$i.yaml"
done
cargo build --release --quiet
bin=$PWD/target/release/daemonlint
best=""
for _ in 1 2 3; do
    start=$(date +%s%N)
    "$bin" --no-config --format json --fail-on never "$out" >"$out.json" 2>/dev/null || true
    ms=$(( ($(date +%s%N) - start) / 1000000 ))
    if [ -z "$best" ] || [ "$ms" -lt "$best" ]; then best=$ms; fi
done
python3 - "$out.json" "$overlays" "$best" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
s = report["summary"]
print(f"{sys.argv[2]} overlays + 200 plain files: {sys.argv[3]} ms (best of 3); "
      f"{s['daemonsets']} DaemonSets, {len(report['diagnostics'])} findings, "
      f"{len(report['failures'])} failures")
PY
