//! `daemonlint coverage`: which nodes of fixtures/coverage/nodes.yaml each DaemonSet of
//! fixtures/coverage/deploy/ misses, and why. Each DaemonSet there pins one reason.
//! Regenerate the human snapshot with `UPDATE_SNAPSHOTS=1 cargo test --test coverage`.

mod common;

use common::{daemonlint, root, run_with_stdin, temp_dir, write_temp};
use serde_json::Value;

const NODES: &str = "fixtures/coverage/nodes.yaml";
const DEPLOY: &str = "fixtures/coverage/deploy";

fn coverage_json(args: &[&str]) -> (i32, Value, String) {
    let mut all = vec!["coverage", "--format", "json"];
    all.extend_from_slice(args);
    let run = daemonlint(&all);
    let report = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("invalid JSON ({e}): {}\nstderr: {}", run.stdout, run.stderr));
    (run.code, report, run.stderr)
}

fn daemonset<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["daemonsets"]
        .as_array()
        .and_then(|list| list.iter().find(|d| d["object"]["name"] == name))
        .unwrap_or_else(|| panic!("no DaemonSet {name} in {report}"))
}

/// `node: [reasons]` of a DaemonSet's missed nodes, in node order.
fn missed(report: &Value, name: &str) -> Vec<(String, String, Vec<String>)> {
    daemonset(report, name)["missed"]
        .as_array()
        .expect("missed array")
        .iter()
        .map(|m| {
            let reasons = m["reasons"]
                .as_array()
                .expect("reasons")
                .iter()
                .map(|r| r.as_str().unwrap_or_default().to_owned())
                .collect();
            (
                m["node"].as_str().unwrap_or_default().to_owned(),
                m["cause"].as_str().unwrap_or_default().to_owned(),
                reasons,
            )
        })
        .collect()
}

fn miss(node: &str, cause: &str, reason: &str) -> (String, String, Vec<String>) {
    (node.to_owned(), cause.to_owned(), vec![reason.to_owned()])
}

#[test]
fn report_has_the_documented_shape() {
    let (code, report, _) = coverage_json(&["--nodes", NODES, DEPLOY]);
    assert_eq!(
        code, 1,
        "taints, resources and a host port keep agents off nodes"
    );
    assert_eq!(report["version"], 1);
    assert_eq!(report["nodes"], 9);
    let ds = daemonset(&report, "log-shipper");
    assert_eq!(ds["object"]["kind"], "DaemonSet");
    assert_eq!(ds["object"]["namespace"], "logging");
    assert_eq!(ds["file"], "fixtures/coverage/deploy/01-log-shipper.yaml");
    assert_eq!(ds["line"], 6);
    assert_eq!(ds["scheduled"], 6);
    let first = &ds["missed"][0];
    assert_eq!(first["node"], "gpu-1");
    assert_eq!(first["pool"], "gpu");
    assert_eq!(
        first["reasons"][0],
        "taint nvidia.com/gpu=present:NoSchedule is not tolerated"
    );
}

#[test]
fn taints_and_the_selector_and_cordoned_nodes() {
    let (_, report, _) = coverage_json(&["--nodes", NODES, DEPLOY]);
    // worker-3 is cordoned (unschedulable taint) and still covered: the controller
    // tolerates that taint itself.
    assert_eq!(
        missed(&report, "log-shipper"),
        vec![
            miss(
                "gpu-1",
                "taint",
                "taint nvidia.com/gpu=present:NoSchedule is not tolerated"
            ),
            miss(
                "db-1",
                "taint",
                "taint dedicated=database:NoExecute is not tolerated"
            ),
            miss(
                "win-1",
                "selector",
                "nodeSelector kubernetes.io/os=linux: the node has kubernetes.io/os=windows"
            ),
        ]
    );
}

#[test]
fn tolerating_everything_covers_every_node() {
    let (_, report, _) = coverage_json(&["--nodes", NODES, DEPLOY]);
    let ds = daemonset(&report, "node-exporter");
    assert_eq!(ds["scheduled"], 9);
    assert_eq!(ds["missed"], serde_json::json!([]));
}

#[test]
fn affinity_operators_decide_and_are_intent() {
    let (_, report, _) = coverage_json(&["--nodes", NODES, DEPLOY]);
    assert_eq!(
        missed(&report, "security-agent"),
        vec![
            miss(
                "cp-1",
                "affinity",
                "node affinity node-role.kubernetes.io/control-plane DoesNotExist: the node has the node-role.kubernetes.io/control-plane label"
            ),
            miss(
                "win-1",
                "affinity",
                "node affinity kubernetes.io/os In [linux]: the node has kubernetes.io/os=windows"
            ),
            miss(
                "arm-1",
                "affinity",
                "node affinity kubernetes.io/arch In [amd64]: the node has kubernetes.io/arch=arm64"
            ),
        ]
    );
    // In and Gt on GPU labels: only the GPU node.
    assert_eq!(daemonset(&report, "dcgm-exporter")["scheduled"], 1);
    assert!(
        missed(&report, "dcgm-exporter")
            .iter()
            .all(|(node, cause, _)| node != "gpu-1" && cause == "affinity")
    );
}

#[test]
fn resources_of_all_agents_add_up() {
    let (_, report, _) = coverage_json(&["--nodes", NODES, DEPLOY]);
    // log-shipper (100m) and node-exporter (50m, from its limits) leave 350m of 500m.
    assert_eq!(
        missed(&report, "csi-node"),
        vec![
            miss(
                "win-1",
                "selector",
                "nodeSelector kubernetes.io/os=linux: the node has kubernetes.io/os=windows"
            ),
            miss(
                "edge-1",
                "resources",
                "insufficient cpu: the pod requests 400m, 350m of 500m allocatable is left after 2 other DaemonSets"
            ),
        ]
    );
    assert_eq!(
        missed(&report, "kube-proxy"),
        vec![miss(
            "edge-1",
            "pods",
            "too many pods: the node allows 3 and 3 other DaemonSets already run there"
        )]
    );
}

#[test]
fn host_port_conflicts_name_the_pair_and_the_nodes() {
    let (_, report, _) = coverage_json(&["--nodes", NODES, DEPLOY]);
    let conflicts = report["conflicts"].as_array().expect("conflicts");
    assert_eq!(conflicts.len(), 1);
    let c = &conflicts[0];
    assert_eq!(c["port"], 2020);
    assert_eq!(c["protocol"], "TCP");
    assert_eq!(c["daemonsets"][0]["name"], "log-shipper");
    assert_eq!(c["daemonsets"][1]["name"], "fluent-metrics");
    assert_eq!(
        c["nodes"],
        serde_json::json!([
            "cp-1", "worker-1", "worker-2", "worker-3", "arm-1", "edge-1"
        ])
    );
    let pending = missed(&report, "fluent-metrics");
    assert!(pending.contains(&miss(
        "edge-1",
        "host-port",
        "host port 2020/TCP is already bound by logging/log-shipper, so the pod stays Pending"
    )));
}

#[test]
fn human_output_groups_by_reason_and_pool() {
    let run = daemonlint(&["coverage", "--nodes", NODES, DEPLOY]);
    assert_eq!(run.code, 1);
    let path = root().join("fixtures/coverage/human.txt");
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, &run.stdout).expect("write snapshot");
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    assert_eq!(run.stdout, expected);
    // The cordoned worker is a pool of its own, shown with its node group.
    assert!(
        run.stdout
            .contains("    general (2 pools): 3 nodes (worker-1, worker-2, worker-3)\n")
    );
}

#[test]
fn selector_misses_fail_only_when_asked() {
    let dir = temp_dir("coverage-selector");
    let node = |name: &str, os: &str| {
        format!(
            "---\nkind: Node\nmetadata:\n  name: {name}\n  labels: {{kubernetes.io/os: {os}}}\nstatus: {{allocatable: {{cpu: '4', memory: 8Gi, pods: '110'}}}}\n"
        )
    };
    let nodes = node("linux-1", "linux") + &node("windows-1", "windows");
    let nodes = write_temp(&dir, "nodes.yaml", nodes.as_bytes());
    let nodes = nodes.to_str().expect("utf-8 path");
    // log-shipper misses only the Windows node, by its own nodeSelector.
    let deploy = root().join(DEPLOY).join("01-log-shipper.yaml");
    let deploy = deploy.to_str().expect("utf-8 path");
    let (code, report, _) = coverage_json(&["--nodes", nodes, deploy]);
    assert_eq!(code, 0);
    assert_eq!(daemonset(&report, "log-shipper")["scheduled"], 1);
    for strict in [&["--fail-on-selector"][..], &["--fail-on", "any"]] {
        let mut args = vec!["coverage", "--nodes", nodes];
        args.extend_from_slice(strict);
        args.push(deploy);
        assert_eq!(daemonlint(&args).code, 1, "{strict:?}");
    }
    assert_eq!(
        daemonlint(&["coverage", "--nodes", NODES, "--fail-on", "never", DEPLOY]).code,
        0
    );
}

#[test]
fn nodes_come_from_standard_input() {
    let nodes = std::fs::read(root().join(NODES)).expect("nodes");
    let run = run_with_stdin(
        &["coverage", "--format", "json", "--nodes", "-", DEPLOY],
        Some(&nodes),
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report: Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert_eq!(report["nodes"], 9);
    assert_eq!(daemonset(&report, "node-exporter")["scheduled"], 9);
}

#[test]
fn json_node_lists_and_match_fields() {
    let dir = temp_dir("coverage-json");
    let nodes = r#"{"apiVersion": "v1", "kind": "List", "items": [
  {"kind": "Node", "metadata": {"name": "n1", "labels": {"kubernetes.io/hostname": "n1", "pool": "a"}},
   "status": {"allocatable": {"cpu": "2", "memory": "4Gi", "pods": "110"}}},
  {"kind": "Node", "metadata": {"name": "n2", "labels": {"kubernetes.io/hostname": "n2", "pool": "a"}},
   "status": {"allocatable": {"cpu": "2", "memory": "4Gi", "pods": "110"}}}
]}"#;
    let nodes = write_temp(&dir, "nodes.json", nodes.as_bytes());
    let ds = "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: pinned, namespace: ops}\nspec:\n  selector: {matchLabels: {app: p}}\n  template:\n    metadata: {labels: {app: p}}\n    spec:\n      affinity:\n        nodeAffinity:\n          requiredDuringSchedulingIgnoredDuringExecution:\n            nodeSelectorTerms:\n            - matchFields: [{key: metadata.name, operator: In, values: [n2]}]\n      containers: [{name: c, image: i:1}]\n";
    let ds = write_temp(&dir, "ds.yaml", ds.as_bytes());
    let (code, report, _) = coverage_json(&[
        "--nodes",
        nodes.to_str().expect("path"),
        ds.to_str().expect("path"),
    ]);
    assert_eq!(code, 0, "affinity is intent");
    assert_eq!(report["pools"].as_array().map(Vec::len), Some(1));
    assert_eq!(
        missed(&report, "pinned"),
        vec![miss(
            "n1",
            "affinity",
            "node affinity metadata.name In [n2]: the node is n1"
        )]
    );
}

#[test]
fn bad_node_input_is_explained() {
    let dir = temp_dir("coverage-bad-nodes");
    let not_nodes = write_temp(
        &dir,
        "pods.yaml",
        b"apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n",
    );
    let run = daemonlint(&[
        "coverage",
        "--nodes",
        not_nodes.to_str().expect("path"),
        DEPLOY,
    ]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("pods.yaml:1: holds no Node objects (only Pod)"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("error: no usable Node objects"),
        "{}",
        run.stderr
    );

    let odd = "kind: Node\nmetadata: {name: bare}\n---\nkind: Node\nmetadata: {name: odd, labels: {pool: x}}\nspec:\n  taints:\n  - {key: k, effect: NoExcute}\nstatus: {allocatable: {cpu: '1'}}\n";
    let odd = write_temp(&dir, "odd.yaml", odd.as_bytes());
    let run = daemonlint(&["coverage", "--nodes", odd.to_str().expect("path"), DEPLOY]);
    assert_eq!(
        run.code, 0,
        "usable nodes, missed by selectors only\n{}",
        run.stderr
    );
    for expected in [
        "odd.yaml:1: node `bare` has no labels",
        "odd.yaml:1: node `bare` has no `status.allocatable`",
        "odd.yaml:8: a taint of node `odd` has an unknown effect `NoExcute`",
    ] {
        assert!(run.stderr.contains(expected), "{expected}\n{}", run.stderr);
    }
    assert!(run.stdout.starts_with("2 nodes in 2 pools, 7 DaemonSets\n"));
}

#[test]
fn nothing_usable_exits_2() {
    let dir = temp_dir("coverage-nothing");
    let empty = write_temp(&dir, "empty/README.md", b"nothing here\n");
    let run = daemonlint(&[
        "coverage",
        "--nodes",
        NODES,
        empty.parent().and_then(|p| p.to_str()).expect("path"),
    ]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("error: no DaemonSets found"),
        "{}",
        run.stderr
    );
    let both = run_with_stdin(&["coverage", "--nodes", "-", "-"], Some(b""));
    assert_eq!(both.code, 2);
}

const LINT: &str = "fixtures/coverage/lint";

/// The concise findings of DS203, DS701 and DS702 for fixtures/coverage/lint/agents.yaml
/// against one node list of that folder (none: without `--nodes`).
fn lint_against(nodes: Option<&str>) -> Vec<String> {
    let path = nodes.map(|n| format!("{LINT}/{n}"));
    let mut args = vec!["--select", "DS203,DS701,DS702", "--format", "concise"];
    if let Some(path) = &path {
        args.extend(["--nodes", path.as_str()]);
    }
    let agents = format!("{LINT}/agents.yaml");
    args.push(&agents);
    let run = daemonlint(&args);
    assert!(run.code <= 1, "{}", run.stderr);
    run.stdout
        .lines()
        .map(|l| l.trim_start_matches(&format!("{agents}:")).to_owned())
        .collect()
}

#[test]
fn ds203_names_the_pools_that_carry_the_taint() {
    let found = lint_against(Some("nodes.yaml"));
    let ds203: Vec<&String> = found.iter().filter(|l| l.contains("[DS203]")).collect();
    assert_eq!(
        ds203,
        [
            "15:5: warning[DS203] logging/log-shipper: the pod does not tolerate the cluster taint `nvidia.com/gpu=present:NoSchedule`, so the agent never runs on those nodes; the taint is on 3 nodes (pool gpu: gpu-1, gpu-2, gpu-3)",
            "15:5: warning[DS203] logging/log-shipper: the pod does not tolerate the cluster taint `example.com/spot:NoExecute`, so the agent never runs on those nodes (and would be evicted from them); the taint is on 5 nodes (pool spot: spot-1, spot-2, spot-3 and 2 more)",
            "34:7: warning[DS203] monitoring/dcgm-exporter: the pod does not tolerate the cluster taint `example.com/spot:NoExecute`, so the agent never runs on those nodes (and would be evicted from them); the taint is on 5 nodes (pool spot: spot-1, spot-2, spot-3 and 2 more)",
        ]
    );
}

#[test]
fn ds701_names_windows_nodes_and_is_silent_on_a_linux_cluster() {
    let windows = "15:5: note[DS701] logging/log-shipper: neither nodeSelector nor required node affinity constrains `kubernetes.io/os`, so the DaemonSet also creates pods on nodes of other operating systems; of the given nodes, it lands on 1 node (pool windows: win-1) running windows";
    assert!(
        lint_against(Some("nodes.yaml")).contains(&windows.to_owned()),
        "{:?}",
        lint_against(Some("nodes.yaml"))
    );
    let linux = lint_against(Some("linux-nodes.yaml"));
    assert!(!linux.iter().any(|l| l.contains("DS701")), "{linux:?}");
    // Without nodes, a Windows node's taint would keep this pod off, so nothing is said
    // unless the cluster-os setting says Windows nodes exist.
    assert!(!lint_against(None).iter().any(|l| l.contains("DS701")));
    let agents = format!("{LINT}/agents.yaml");
    let run = daemonlint(&[
        "--select",
        "DS701",
        "--format",
        "concise",
        "--setting",
        "cluster-os=[linux,windows]",
        &agents,
    ]);
    assert_eq!(
        run.stdout,
        format!(
            "{agents}:15:5: note[DS701] logging/log-shipper: neither nodeSelector nor required node affinity constrains `kubernetes.io/os`, so the DaemonSet also creates pods on nodes of other operating systems\n"
        )
    );
}

#[test]
fn ds702_names_gpu_less_nodes_and_the_label_of_the_gpu_nodes() {
    let message = "38:16: warning[DS702] monitoring/dcgm-exporter: container `dcgm-exporter` runs the GPU exporter `nvcr.io/nvidia/k8s/dcgm-exporter:3.3.5-3.4.0-ubuntu22.04`, but nothing restricts the pod to GPU nodes: the DaemonSet creates it on every node, and on nodes without a GPU it cannot find a GPU driver and keeps failing";
    let landing = format!(
        "{message}; of the given nodes, it lands on 2 nodes (pool general: general-1, general-2) without a GPU"
    );
    assert!(lint_against(Some("nodes.yaml")).contains(&landing));
    // A cluster without GPUs still gets a broken pod on every node.
    assert!(lint_against(Some("cpu-nodes.yaml")).contains(&landing));
    // Every node it lands on has a GPU: nothing to report.
    let gpu_only = lint_against(Some("gpu-nodes.yaml"));
    assert!(
        !gpu_only.iter().any(|l| l.contains("DS702")),
        "{gpu_only:?}"
    );
    assert!(lint_against(None).contains(&message.to_owned()));

    let run = daemonlint(&[
        "--select",
        "DS702",
        "--format",
        "json",
        "--nodes",
        "fixtures/coverage/lint/nodes.yaml",
        "fixtures/coverage/lint/agents.yaml",
    ]);
    assert!(
        run.stdout.contains(
            r#"select the GPU nodes, 3 nodes (pool gpu: gpu-1, gpu-2, gpu-3), with `nodeSelector: {nvidia.com/gpu.present: \"true\"}`, a label they all have and no other node has"#
        ),
        "{}",
        run.stdout
    );
    let none = daemonlint(&[
        "--select",
        "DS702",
        "--format",
        "json",
        "--nodes",
        "fixtures/coverage/lint/cpu-nodes.yaml",
        "fixtures/coverage/lint/agents.yaml",
    ]);
    assert!(
        none.stdout.contains("no given node has a GPU"),
        "{}",
        none.stdout
    );
}

const RUNTIME: &str = "fixtures/coverage/runtime";

#[test]
fn runtime_class_overhead_selector_and_tolerations_count() {
    let nodes = format!("{RUNTIME}/nodes.yaml");
    let (code, report, _) = coverage_json(&["--nodes", &nodes, RUNTIME]);
    assert_eq!(code, 1);
    // The overhead tips the tight node over; the class's toleration lets the pod onto the
    // tainted Kata nodes, and its nodeSelector keeps it off the plain one.
    assert_eq!(
        missed(&report, "sandboxed"),
        vec![
            miss(
                "kata-small",
                "resources",
                "insufficient cpu: the pod requests 1050m (800m for the containers + 250m pod overhead of RuntimeClass `kata`), the node has 1 allocatable"
            ),
            miss(
                "plain-1",
                "selector",
                "nodeSelector katacontainers.io/kata-runtime=true of RuntimeClass `kata`: the node has no katacontainers.io/kata-runtime label"
            ),
        ]
    );
    let rejected = "nodeSelector katacontainers.io/kata-runtime=false conflicts with katacontainers.io/kata-runtime=true of RuntimeClass `kata`: admission rejects every pod";
    assert_eq!(
        missed(&report, "clashing"),
        ["kata-small", "kata-big", "plain-1"]
            .map(|n| miss(n, "rejected", rejected))
            .to_vec()
    );
    assert_eq!(
        daemonset(&report, "unknown-runtime")["notes"],
        serde_json::json!([
            "RuntimeClass `gvisor` is not among the given objects: its pod overhead, nodeSelector and tolerations are not counted",
            "PriorityClass `agents-unknown` is not among the given objects: its priority is taken as 0, the default"
        ])
    );
    let human = daemonlint(&["coverage", "--nodes", &nodes, RUNTIME]);
    assert!(
        human.stdout.contains(
            "agents/unknown-runtime  1/3 nodes  fixtures/coverage/runtime/agents.yaml:44\n  note: RuntimeClass `gvisor` is not among the given objects"
        ),
        "{}",
        human.stdout
    );
}

#[test]
fn higher_priority_daemonsets_get_resources_first() {
    let nodes = format!("{RUNTIME}/nodes.yaml");
    let (_, report, _) = coverage_json(&["--nodes", &nodes, RUNTIME]);
    assert_eq!(daemonset(&report, "high")["priority"], 1_000_000);
    assert_eq!(daemonset(&report, "low")["priority"], 1000);
    // `low` comes first in the file, but `high` preempts it.
    assert_eq!(daemonset(&report, "high")["scheduled"], 1);
    assert!(missed(&report, "low").contains(&miss(
        "plain-1",
        "resources",
        "insufficient cpu: the pod requests 600m, 500m of 1 allocatable is left after 1 other DaemonSet of higher priority"
    )));
    // Without the class objects every priority is 0 and input order decides: the sandboxed
    // agent (whose RuntimeClass selector is unknown now) and `unknown-runtime` bind first.
    let agents = format!("{RUNTIME}/agents.yaml");
    let (_, alone, _) = coverage_json(&["--nodes", &nodes, &agents]);
    assert_eq!(daemonset(&alone, "high")["priority"], 0);
    assert!(missed(&alone, "high").contains(&miss(
        "plain-1",
        "resources",
        "insufficient cpu: the pod requests 500m, 100m of 1 allocatable is left after 2 other DaemonSets"
    )));
}

#[test]
fn ds201_names_the_control_plane_nodes_and_is_silent_on_a_managed_cluster() {
    let agents = format!("{LINT}/agents.yaml");
    let ds201 = |nodes: Option<&str>| {
        let mut args = vec!["--select", "DS201", "--format", "concise"];
        if let Some(n) = nodes {
            args.extend(["--nodes", n]);
        }
        args.push(&agents);
        let run = daemonlint(&args);
        assert!(run.code <= 1, "{}", run.stderr);
        run.stdout
            .lines()
            .map(|l| l.trim_start_matches(&format!("{agents}:")).to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        ds201(Some("fixtures/coverage/nodes.yaml")),
        [
            "15:5: warning[DS201] logging/log-shipper: the pod does not tolerate `node-role.kubernetes.io/control-plane:NoSchedule`, so the agent never runs on control-plane nodes; the taint is on 1 node (pool control-plane: cp-1)"
        ]
    );
    // Managed clusters show no control-plane nodes: nothing is missed.
    assert!(ds201(Some(&format!("{LINT}/linux-nodes.yaml"))).is_empty());
    // Without nodes, the rule judges the manifest alone.
    assert_eq!(ds201(None).len(), 1);
}

/// A volume that requires a runtime's socket keeps the pod from starting on nodes of another
/// runtime: `coverage` counts those nodes as missed (cause `socket`), and DS311 names them.
#[test]
fn required_runtime_sockets_miss_nodes_of_other_runtimes() {
    const SOCKETS: &str = "fixtures/coverage/sockets";
    let nodes = format!("{SOCKETS}/nodes.yaml");
    let agents = format!("{SOCKETS}/agents.yaml");
    let (code, report, stderr) = coverage_json(&["--nodes", &nodes, &agents]);
    assert_eq!(code, 1, "{stderr}");
    let docker = |runtime: &str| {
        format!(
            "a volume requires `/var/run/docker.sock` (`type: Socket`) and the node runs {runtime}: the pod stays in ContainerCreating"
        )
    };
    assert_eq!(
        missed(&report, "docker-metrics"),
        [
            miss("containerd-1", "socket", &docker("containerd")),
            miss("crio-1", "socket", &docker("cri-o")),
        ]
    );
    assert_eq!(
        missed(&report, "containerd-watcher"),
        [miss(
            "crio-1",
            "socket",
            "a volume requires `/run/containerd/containerd.sock` (`type: Socket`) and the node runs cri-o: the pod stays in ContainerCreating"
        )]
    );
    assert!(missed(&report, "optional-docker").is_empty());

    let run = daemonlint(&[
        "--select", "DS311", "--format", "concise", "--nodes", &nodes, &agents,
    ]);
    let found: Vec<&str> = run
        .stdout
        .lines()
        .map(|l| l.trim_start_matches(&format!("{agents}:")))
        .collect();
    assert_eq!(
        found,
        [
            "21:54: warning[DS311] monitoring/docker-metrics: the pod requires `/var/run/docker.sock` with `type: Socket`, and of the given nodes, 2 nodes (pool general: containerd-1; pool openshift: crio-1) run containerd and cri-o, without that socket: there the kubelet waits for the socket and the pod stays in ContainerCreating",
            "40:65: warning[DS311] security/containerd-watcher: the pod requires `/run/containerd/containerd.sock` with `type: Socket`, and of the given nodes, 1 node (pool openshift: crio-1) runs cri-o, without that socket: there the kubelet waits for the socket and the pod stays in ContainerCreating",
        ]
    );
    // Kept to the Docker node, the Docker agent misses nothing.
    let docker_only = format!("{SOCKETS}/docker-nodes.yaml");
    let run = daemonlint(&[
        "--select",
        "DS311",
        "--format",
        "concise",
        "--nodes",
        &docker_only,
        &agents,
    ]);
    assert_eq!(run.stdout, "", "{}", run.stderr);
}
