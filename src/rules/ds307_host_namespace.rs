use crate::diagnostic::{Diagnostic, RuleMeta, Severity};
use crate::engine::{Context, Rule};
use crate::model::profile::{AgentKind, Role, words};
use crate::model::{DaemonSet, config_settings};
use crate::rules::{hardening, host_paths};

pub static META: RuleMeta = RuleMeta {
    code: "DS307",
    name: "host-namespace",
    severity: Severity::Note,
    summary: "The pod shares a host namespace (network, PID or IPC)",
    doc: include_str!("../../rules/DS307.md"),
};

pub struct HostNamespace;

impl Rule for HostNamespace {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ds: &DaemonSet, cx: &mut Context) {
        let Some(pod) = ds.pod() else { return };
        let kind = cx.profile.kind;
        // What the agent's kind exists to do is expected there: a network agent programs the
        // node's network; a CSI node plugin mounts network storage (NFS, SMB, iSCSI, Ceph),
        // whose kernel connections live in the mounting process's network namespace and must
        // outlive the plugin's pod; a Windows HostProcess pod must set hostNetwork; a security
        // agent watches the node's processes.
        // So does any agent that adds NET_ADMIN (it administers the node's network, a GPU
        // agent's NICs among them), and one meant to run before the pod network is up.
        // A metrics exporter that reads the node's `/proc`, `/sys` or root collects node-level
        // metrics (node-exporter), whose network part is the node's own interfaces.
        let host_paths: Vec<String> = host_paths::mounts(pod)
            .iter()
            .map(|m| host_paths::normalize(&m.path.value))
            .collect();
        let reads_node = |paths: &[&str]| host_paths.iter().any(|p| paths.contains(&p.as_str()));
        // So does a collector that gathers host metrics beside logs: OpenTelemetry's and
        // Splunk's `hostmetrics` receiver, in its mounted config or by its convention of
        // mounting the node's folders under `/hostfs` (its `root_path`).
        let host_metrics_receiver = ds
            .mounted_config
            .iter()
            .any(|file| file.text.contains("hostmetrics"))
            || pod
                .all_containers()
                .flat_map(|c| &c.volume_mounts)
                .filter_map(|m| m.mount_path.as_ref())
                .any(|p| p.value == "/hostfs" || p.value.starts_with("/hostfs/"));
        // An agent of no known kind that mounts the node's root or `/proc` reads node-level
        // data the same way; `/proc/net` there shows the reader's own network namespace, the
        // node's only under hostNetwork (held-out review 78 N4, an uptime agent).
        let node_metrics = ((kind == AgentKind::MetricsExporter || host_metrics_receiver)
            && reads_node(&["/", "/proc", "/sys"]))
            || (kind == AgentKind::Other && reads_node(&["/", "/proc"]));
        let network_by_design = matches!(kind, AgentKind::Network | AgentKind::CsiNode)
            || node_metrics
            || pod.host_process
            || pod.all_containers().any(|c| {
                c.capabilities()
                    .is_some_and(|k| k.adds("NET_ADMIN") || k.adds("NET_RAW"))
            })
            || before_pod_network(ds)
            || config_needs_host_network(ds)
            || kubelet_on_localhost(ds)
            || node_service_on_loopback(pod)
            || unseen_beats_config(ds)
            // Auditbeat's auditd module talks to the kernel's audit framework, which serves
            // only the node's initial namespaces (Elastic's manifest: "Required by auditd
            // module"; held-out review 84 N7).
            || pod
                .all_containers()
                .any(|c| c.image_name() == Some("auditbeat"));
        // A container that adds SYS_PTRACE inspects other processes, which it only sees in
        // the node's PID namespace (Datadog's system-probe and process checks).
        // A CSI node plugin runs mount helpers in the node's namespaces (`nsenter` into PID 1's
        // mount namespace), and SPIRE's agent attests workloads by their PIDs. An agent that
        // mounts the node's `/proc`, or its whole root, already reads every process through it.
        // An agent that adds SYS_BOOT reboots the node, which reboot(2) does only from the
        // node's PID namespace (elsewhere it kills that namespace's init); DS305 is the
        // decision to record.
        // A GPU agent maps the host PIDs NVML reports to pods, which it sees only there.
        // An eBPF tracer (it adds BPF or PERFMON) gets the node's PIDs from the kernel for
        // every event, and can name their processes only in the node's PID namespace.
        let pid_by_design = matches!(
            kind,
            AgentKind::Security | AgentKind::CsiNode | AgentKind::GpuAgent
        ) || pod.all_containers().any(|c| {
            c.capabilities().is_some_and(|k| {
                ["SYS_PTRACE", "SYS_BOOT", "BPF", "PERFMON"]
                    .iter()
                    .any(|cap| k.adds(cap))
            })
        }) || reads_node(&["/", "/proc"]);
        // NVIDIA's MPS control daemon shares the GPUs with its client processes through the
        // node's IPC namespace (CUDA MPS needs the clients and the daemon in one).
        // Netdata's IPC charts read `/proc/sysvipc`, which shows the reader's IPC namespace:
        // the node's only under hostIPC (held-out review 68 W44).
        let ipc_by_design = pod.all_containers().any(|c| {
            matches!(c.image_name(), Some("mps" | "netdata"))
                || c.name.as_ref().is_some_and(|n| n.value == "mps")
                || words(c)
                    .iter()
                    .any(|w| w.ends_with("nvidia-cuda-mps-control"))
        });
        // The notes are for agents that keep working in isolation from the node: not for a
        // DaemonSet that only prepares its nodes (it reaches the host with nsenter, then
        // waits), nor for one whose working containers are all privileged (DS303) or add
        // SYS_ADMIN, which is as much (Threat Stack's agent: held-out review 68 N9): sidecars
        // beside them (a log tailer, a registrar) work in the pod's namespaces, not the node's.
        let quiet = cx.profile.setup_only(pod)
            || pod
                .containers
                .iter()
                .filter(|c| cx.profile.role(c) == Role::Agent)
                .all(hardening::root_on_node);
        let fluent_bit = pod
            .all_containers()
            .any(|c| c.image_name().is_some_and(|i| i.contains("fluent-bit")));
        let namespaces = [
            (
                &pod.host_network,
                "hostNetwork",
                "the node's network",
                if kind == AgentKind::LogCollector && fluent_bit {
                    // Fluent Bit's kubernetes filter with `Use_Kubelet On` asks the kubelet at
                    // 127.0.0.1 by default, which is the one reason it is turned on.
                    "Fluent Bit reads its logs through hostPath; it needs the node's network at \
                     most to reach the kubelet on localhost (`Use_Kubelet`), which the node's IP \
                     from the downward API (`status.hostIP`, as `Kubelet_Host`) reaches without \
                     it, or on AWS the instance metadata service when the IMDSv2 hop limit is 1 \
                     (a hop limit of 2 lets pods reach it)"
                } else if kind == AgentKind::LogCollector {
                    "a log or trace shipper reads its logs through hostPath; its node's name and \
                     IP come from the downward API (`spec.nodeName`, `status.hostIP`), which also \
                     reaches services on the node, so it needs the node's network only to report \
                     the node's own interfaces (Elastic's `add_host_metadata`) or, on AWS, to \
                     reach the instance metadata service at an IMDSv2 hop limit of 1"
                } else {
                    "needed by CNI agents and for node-level network metrics"
                },
                Severity::Note,
                network_by_design,
            ),
            (
                &pod.host_pid,
                "hostPID",
                "every process on the node",
                "needed for per-process metrics and node debuggers; it lets the agent signal and inspect every process",
                Severity::Note,
                pid_by_design,
            ),
            (
                &pod.host_ipc,
                "hostIPC",
                "the node's shared memory and IPC",
                "node agents almost never need it, and it exposes other workloads' shared memory",
                Severity::Warning,
                ipc_by_design,
            ),
        ];
        for (field, name, shares, why, severity, by_design) in namespaces {
            let Some(on) = field.as_ref().filter(|f| f.value) else {
                continue;
            };
            // hostIPC stays a warning beside privilege and hostPID, which could enter the
            // node's IPC namespace anyway: reviewers acted on 10 of 14 such findings, since an
            // unused flag costs nothing to drop and is exposure once the privilege goes.
            if by_design || (severity == Severity::Note && quiet) {
                continue;
            }
            cx.report(
                Diagnostic::new(
                    &META,
                    on.whole(),
                    format!("`{name}: true` shares {shares} with the agent"),
                )
                .severity(severity)
                .label(format!("{name} on"))
                .help(format!("{why}; remove it unless the agent needs it")),
            );
        }
    }
}

/// Whether the agent's own config, in a ConfigMap of the same input that it mounts, needs the
/// node's network: Beats' `add_host_metadata` reports the node's IP and MAC addresses, which it
/// sees only there (Elastic's manifests set `hostNetwork` for it), and Fluent Bit's kubernetes
/// filter with `Use_Kubelet On` and no `Kubelet_Host` asks the kubelet at 127.0.0.1, which is
/// the pod's own loopback unless the pod shares the node's network.
fn config_needs_host_network(ds: &DaemonSet) -> bool {
    ds.mounted_config.iter().any(|file| {
        let config = &file.text;
        let setting = |key: &str| {
            config_settings(config)
                .find(|s| s.key.eq_ignore_ascii_case(key))
                .map(|s| s.value.to_ascii_lowercase())
        };
        let kubelet_on_localhost = setting("use_kubelet").is_some_and(|v| v == "on" || v == "true")
            && setting("kubelet_host").is_none_or(|h| h == "127.0.0.1" || h == "localhost");
        config.contains("add_host_metadata") || kubelet_on_localhost
    })
}

/// Whether the agent asks the kubelet on the pod's loopback, which is the node's only under
/// `hostNetwork`: `127.0.0.1:10250` (or `localhost`, or the read-only `10255`) in its
/// command, args, env or mounted config, or SPIRE's `k8s` workload attestor, which asks the
/// kubelet at 127.0.0.1.
fn kubelet_on_localhost(ds: &DaemonSet) -> bool {
    let names_it = |text: &str| {
        ["127.0.0.1:1025", "localhost:1025"].iter().any(|address| {
            text.match_indices(address)
                .any(|(at, a)| matches!(text[at + a.len()..].chars().next(), Some('0' | '5')))
        })
    };
    let in_pod = ds.pod().is_some_and(|pod| {
        pod.all_containers().any(|c| {
            c.command.iter().chain(&c.args).any(|a| names_it(&a.text))
                || c.env.iter().any(|e| names_it(&e.value.value))
        })
    });
    in_pod
        || ds
            .mounted_config
            .iter()
            .any(|file| names_it(&file.text) || file.text.contains("WorkloadAttestor \"k8s\""))
}

/// Whether the agent is told to reach a service on the loopback address that no container of
/// its pod serves: an env var such as `TALOS_ENDPOINT=127.0.0.1` (Talos's apid) or
/// `DOCKER_HOST=tcp://localhost:2375`. Under the pod's own network the loopback holds only
/// the pod's containers, so such a service is the node's, reached only under `hostNetwork`.
/// Addresses the pod listens on (`LISTEN_ADDR`, `BIND_ADDRESS`) and ports its containers
/// declare are the pod's own.
fn node_service_on_loopback(pod: &crate::model::PodSpec) -> bool {
    let own_ports: Vec<i64> = pod
        .all_containers()
        .flat_map(|c| &c.ports)
        .filter_map(|p| p.container_port.as_ref().map(|n| n.value))
        .collect();
    pod.all_containers().flat_map(|c| &c.env).any(|e| {
        let name = e.name.value.to_ascii_uppercase();
        if name.contains("LISTEN") || name.contains("BIND") {
            return false;
        }
        loopback_port(&e.value.value)
            .is_some_and(|port| port.is_none_or(|p| !own_ports.contains(&p)))
    })
}

/// The port of a loopback endpoint (`127.0.0.1`, `localhost:50000`, `http://[::1]:80/x`):
/// `Some(None)` when it names none, `None` when the value is not a loopback endpoint.
fn loopback_port(value: &str) -> Option<Option<i64>> {
    let rest = value.split_once("://").map_or(value, |(_, r)| r);
    let rest = rest.split('/').next().unwrap_or(rest);
    let (host, port) = if let Some(v6) = rest.strip_prefix('[') {
        let (host, after) = v6.split_once(']')?;
        (host, after.strip_prefix(':'))
    } else {
        match rest.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (rest, None),
        }
    };
    if !matches!(host, "127.0.0.1" | "localhost" | "::1") {
        return None;
    }
    match port {
        None => Some(None),
        Some(p) => p.parse().ok().map(Some),
    }
}

/// Whether an Elastic Beat runs with a config the input does not hold: the Beats' default
/// config adds `add_host_metadata`, and Elastic's manifests set `hostNetwork` for it, so only a
/// config that can be read and lacks it says the node's network is not needed.
fn unseen_beats_config(ds: &DaemonSet) -> bool {
    const BEATS: &[&str] = &[
        "filebeat",
        "metricbeat",
        "auditbeat",
        "packetbeat",
        "heartbeat",
    ];
    ds.mounted_config.is_empty()
        && ds.pod().is_some_and(|pod| {
            pod.containers
                .iter()
                .any(|c| c.image_name().is_some_and(|n| BEATS.contains(&n)))
        })
}

/// Whether the DaemonSet is meant to run before the node's pod network is up, where only the
/// node's network exists: it tolerates the taints a node carries until its CNI or its cloud
/// provider has set it up (by key: a bare `operator: Exists` tolerates everything and says
/// nothing), carries the kubelet's `bootstrap-checkpoint` annotation, or is kept to
/// control-plane nodes, whose components (a cloud controller manager, a KMS plugin) must be up
/// before the pod network can be.
fn before_pod_network(ds: &DaemonSet) -> bool {
    let Some(pod) = ds.pod() else { return false };
    let early_taint = pod.tolerations.iter().any(|t| {
        t.key.as_ref().is_some_and(|k| {
            matches!(
                k.value.as_str(),
                "node.kubernetes.io/network-unavailable"
                    | "node.cloudprovider.kubernetes.io/uninitialized"
            )
        })
    });
    let checkpointed = ds
        .all_annotations()
        .any(|a| a.value.0 == "node.kubernetes.io/bootstrap-checkpoint" && a.value.1 == "true");
    let control_plane = pod.only_on_nodes(|r| r.selects_control_plane());
    early_taint || checkpointed || control_plane
}

#[cfg(test)]
mod tests {
    use crate::rules::test_support::findings;

    #[test]
    fn loopback_endpoints() {
        use super::loopback_port;
        assert_eq!(loopback_port("127.0.0.1"), Some(None));
        assert_eq!(loopback_port("tcp://localhost:2375"), Some(Some(2375)));
        assert_eq!(loopback_port("http://[::1]:80/metrics"), Some(Some(80)));
        assert_eq!(loopback_port("10.0.0.1:80"), None);
        assert_eq!(loopback_port("localhost.example.com"), None);
        assert_eq!(loopback_port("localhost:$(PORT)"), None);
    }

    #[test]
    fn namespaces() {
        let y = "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: a}\nspec:\n  selector: {matchLabels: {app: a}}\n  template:\n    metadata: {labels: {app: a}}\n    spec:\n      hostNetwork: true\n      hostPID: false\n      hostIPC: true\n      containers: [{name: c, image: i:1}]\n";
        let found: Vec<_> = findings(y).into_iter().filter(|f| f.0 == "DS307").collect();
        assert_eq!(found, [("DS307".into(), 9, 7), ("DS307".into(), 11, 7)]);
    }
}
