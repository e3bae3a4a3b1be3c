#!/usr/bin/env python3
"""Writes a cluster for `daemonlint coverage` benchmarks: a node list as `kubectl get nodes
-o yaml` prints it (labels, taints, allocatable, capacity, conditions, images) and a folder of
DaemonSets that select, tolerate, request and bind ports in varied ways.

    python3 bench/coverage_gen.py 5000 100 target/bench/coverage

Output is deterministic for given counts.
"""

import os
import random
import sys

POOLS = [
    # nodegroup, instance type, cpu, memory, pods, arch, os, taint, extra labels, weight
    ("general", "m6i.2xlarge", "7910m", "31792556Ki", 58, "amd64", "linux", None, {}, 40),
    ("general-arm", "m7g.2xlarge", "7910m", "31792556Ki", 58, "arm64", "linux", None, {}, 15),
    ("memory", "r6i.4xlarge", "15890m", "127003028Ki", 234, "amd64", "linux", None, {}, 10),
    ("gpu", "p4d.24xlarge", "95690m", "1140895372Ki", 737, "amd64", "linux",
     ("nvidia.com/gpu", "present", "NoSchedule"), {"nvidia.com/gpu.present": "true"}, 5),
    ("database", "r6i.8xlarge", "31850m", "254006056Ki", 234, "amd64", "linux",
     ("dedicated", "database", "NoExecute"), {"dedicated": "database"}, 5),
    ("ingress", "c6i.2xlarge", "7910m", "15243588Ki", 58, "amd64", "linux",
     ("dedicated", "ingress", "NoSchedule"), {"dedicated": "ingress"}, 5),
    ("windows", "m6i.2xlarge", "7910m", "31792556Ki", 58, "amd64", "windows",
     ("os", "windows", "NoSchedule"), {}, 4),
    ("edge", "t3.small", "1930m", "1500000Ki", 11, "amd64", "linux", None, {}, 6),
    ("system", "m6i.xlarge", "3920m", "15243588Ki", 58, "amd64", "linux",
     ("CriticalAddonsOnly", "true", "NoSchedule"), {"node-role.kubernetes.io/system": ""}, 10),
]
ZONES = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
IMAGES = [
    "registry.k8s.io/kube-proxy:v1.34.2",
    "quay.io/prometheus/node-exporter:v1.8.2",
    "cr.fluentbit.io/fluent/fluent-bit:3.1.4",
    "public.ecr.aws/ebs-csi-driver/aws-ebs-csi-driver:v1.35.0",
    "docker.io/calico/node:v3.27.0",
    "registry.k8s.io/pause:3.10",
]


def node(i, rng, out):
    pool = rng.choices(POOLS, weights=[p[-1] for p in POOLS])[0]
    group, itype, cpu, mem, pods, arch, os_, taint, extra, _ = pool
    zone = ZONES[i % len(ZONES)]
    name = f"ip-10-{i // 250}-{i % 250}-{(i * 7) % 250}.eu-west-1.compute.internal"
    labels = {
        "beta.kubernetes.io/arch": arch,
        "beta.kubernetes.io/instance-type": itype,
        "beta.kubernetes.io/os": os_,
        "eks.amazonaws.com/capacityType": "ON_DEMAND",
        "eks.amazonaws.com/nodegroup": group,
        "failure-domain.beta.kubernetes.io/region": "eu-west-1",
        "failure-domain.beta.kubernetes.io/zone": zone,
        "kubernetes.io/arch": arch,
        "kubernetes.io/hostname": name,
        "kubernetes.io/os": os_,
        "node.kubernetes.io/instance-type": itype,
        "topology.kubernetes.io/region": "eu-west-1",
        "topology.kubernetes.io/zone": zone,
    }
    labels.update(extra)
    w = out.append
    w("- apiVersion: v1\n  kind: Node\n  metadata:\n    annotations:\n")
    w("      alpha.kubernetes.io/provided-node-ip: 10.0.0.1\n")
    w("      node.alpha.kubernetes.io/ttl: \"0\"\n")
    w("    creationTimestamp: \"2026-11-01T08:00:00Z\"\n    labels:\n")
    for k in sorted(labels):
        w(f"      {k}: \"{labels[k]}\"\n")
    w(f"    name: {name}\n    resourceVersion: \"{1000 + i}\"\n")
    w(f"    uid: 6f1c2a3e-0000-4000-8000-{i:012d}\n  spec:\n")
    w(f"    providerID: aws:///{zone}/i-0{i:016x}\n")
    taints = [taint] if taint else []
    cordoned = i % 97 == 0
    if cordoned:
        taints.append(("node.kubernetes.io/unschedulable", None, "NoSchedule"))
    if taints:
        w("    taints:\n")
        for k, v, e in taints:
            w(f"    - effect: {e}\n      key: {k}\n")
            if v:
                w(f"      value: \"{v}\"\n")
    if cordoned:
        w("    unschedulable: true\n")
    gpu = "      nvidia.com/gpu: \"8\"\n" if group == "gpu" else ""
    for section in ("allocatable", "capacity"):
        w(f"  status:\n    {section}:\n" if section == "allocatable" else f"    {section}:\n")
        w(f"      cpu: {cpu}\n      ephemeral-storage: \"95500736762\"\n")
        w("      hugepages-1Gi: \"0\"\n      hugepages-2Mi: \"0\"\n")
        w(f"      memory: {mem}\n{gpu}      pods: \"{pods}\"\n")
    w("    conditions:\n")
    for kind, status in (("MemoryPressure", "False"), ("DiskPressure", "False"),
                         ("PIDPressure", "False"), ("Ready", "True")):
        w(f"    - lastHeartbeatTime: \"2026-11-29T09:00:00Z\"\n")
        w(f"      lastTransitionTime: \"2026-11-01T08:00:00Z\"\n")
        w(f"      message: kubelet reports {kind} {status}\n")
        w(f"      reason: Kubelet{kind}\n      status: \"{status}\"\n      type: {kind}\n")
    w("    images:\n")
    for image in IMAGES:
        w(f"    - names:\n      - {image}\n      sizeBytes: {rng.randrange(10**6, 10**8)}\n")
    w(f"    nodeInfo:\n      architecture: {arch}\n      containerRuntimeVersion: containerd://1.7.22\n")
    w(f"      kubeletVersion: v1.34.2\n      operatingSystem: {os_}\n")


def daemonset(i, rng):
    name = f"agent-{i:03d}"
    spec = []
    kind = i % 10
    if kind in (0, 1, 2):
        spec.append("      tolerations:\n      - operator: Exists\n")
    elif kind in (3, 4):
        spec.append("      nodeSelector:\n        kubernetes.io/os: linux\n")
        spec.append("      tolerations:\n      - {key: CriticalAddonsOnly, operator: Exists}\n")
    elif kind == 5:
        spec.append("      affinity:\n        nodeAffinity:\n"
                    "          requiredDuringSchedulingIgnoredDuringExecution:\n"
                    "            nodeSelectorTerms:\n            - matchExpressions:\n"
                    "              - {key: nvidia.com/gpu.present, operator: In, values: [\"true\"]}\n")
        spec.append("      tolerations:\n      - {key: nvidia.com/gpu, operator: Exists}\n")
    elif kind == 6:
        spec.append("      affinity:\n        nodeAffinity:\n"
                    "          requiredDuringSchedulingIgnoredDuringExecution:\n"
                    "            nodeSelectorTerms:\n            - matchExpressions:\n"
                    "              - {key: kubernetes.io/arch, operator: NotIn, values: [arm64]}\n"
                    "              - {key: dedicated, operator: DoesNotExist}\n")
    elif kind == 7:
        spec.append("      nodeSelector:\n        eks.amazonaws.com/nodegroup: general\n")
    # kinds 8 and 9: nothing, so taints keep them off the dedicated pools
    host = "      hostNetwork: true\n" if i % 4 == 0 else ""
    port = 9100 + i if i % 4 == 0 else 20000 + (i % 7)
    cpu = rng.choice(["10m", "25m", "50m", "100m", "200m"])
    mem = rng.choice(["32Mi", "64Mi", "128Mi", "256Mi"])
    return f"""apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: {name}
  namespace: agents
spec:
  selector:
    matchLabels: {{app: {name}}}
  template:
    metadata:
      labels: {{app: {name}}}
    spec:
{host}{''.join(spec)}      containers:
      - name: agent
        image: registry.example.com/{name}:1.0.{i}
        ports:
        - containerPort: {port}
          hostPort: {port}
        resources:
          requests: {{cpu: {cpu}, memory: {mem}}}
          limits: {{memory: {mem}}}
"""


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: coverage_gen.py NODES DAEMONSETS OUT_DIR")
    nodes, daemonsets, out_dir = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    rng = random.Random(42)
    os.makedirs(os.path.join(out_dir, "deploy"), exist_ok=True)
    out = ["apiVersion: v1\nkind: List\nmetadata:\n  resourceVersion: \"\"\nitems:\n"]
    for i in range(nodes):
        node(i, rng, out)
    with open(os.path.join(out_dir, "nodes.yaml"), "w") as f:
        f.write("".join(out))
    for i in range(daemonsets):
        with open(os.path.join(out_dir, "deploy", f"agent-{i:03d}.yaml"), "w") as f:
            f.write(daemonset(i, rng))


if __name__ == "__main__":
    main()
