use crate::diagnostic::{Diagnostic, RuleMeta, Severity};
use crate::engine::{Context, Rule};
use crate::fix::{Change, Fix, Target, Value, quote};
use crate::model::DaemonSet;
use crate::model::profile::{
    AgentKind, Profile, csi_registration, labels_nodes, normalize, on_demand_or_housekeeping,
    single_purpose_exporter,
};
use crate::model::{NODE_CRITICAL, PodSpec};

pub static META: RuleMeta = RuleMeta {
    code: "DS501",
    name: "missing-priority-class",
    severity: Severity::Warning,
    summary: "No priorityClassName (or one outside the allowed list): the agent is evicted like any pod",
    doc: include_str!("../../rules/DS501.md"),
};

pub struct MissingPriorityClass;

impl Rule for MissingPriorityClass {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ds: &DaemonSet, cx: &mut Context) {
        let Some(pod) = ds.pod() else { return };
        let allowed = &cx.settings.priority_classes;
        // The annotation that once marked a pod critical says the author wants this agent
        // kept: it is told whatever else the pod looks like.
        let legacy = ds
            .all_annotations()
            .find(|a| a.value.0 == LEGACY_CRITICAL_ANNOTATION);
        let node_needs_it = node_needs(cx.profile, pod);
        match &pod.priority_class_name {
            None if let Some(annotation) = legacy => cx.report({
                let in_kube_system = ds
                    .metadata
                    .namespace
                    .as_ref()
                    .is_none_or(|n| n.value == "kube-system");
                Diagnostic::new(
                    &META,
                    pod.key,
                    format!(
                        "the pod template sets no priorityClassName; its \
                         `{LEGACY_CRITICAL_ANNOTATION}` annotation has marked nothing critical \
                         since Kubernetes 1.16"
                    ),
                )
                .label("priority 0, like ordinary workloads")
                .related(annotation.key, "ignored since 1.16")
                .help(
                    // The annotation only ever counted for pods in `kube-system`.
                    if in_kube_system {
                        "set `priorityClassName: system-node-critical` (what the annotation used \
                         to give) and remove the annotation"
                    } else {
                        "remove the annotation, which only ever counted in `kube-system`, and set \
                         a priority class above your workloads' (`system-node-critical` outside \
                         `kube-system` needs a ResourceQuota that allows it where the cluster \
                         limits it, as GKE does)"
                    },
                )
                .fix((in_kube_system || !allowed.is_empty()).then(|| fix(pod, allowed)))
            }),
            // An application spread over the nodes is not what the node needs to run; the
            // priority of its pods is the application's choice.
            None if cx.profile.kind == AgentKind::Workload => {}
            // Only `pause` or `sleep` keeps running once the node is prepared: evicting it
            // costs nothing.
            None if cx.profile.setup_only(pod) => {}
            // Its labels stay on the node when it is evicted or waits for room: nothing is lost.
            None if labels_nodes(pod) && !node_needs_it => {}
            // A single-purpose exporter (stale NFS mounts, DNS probes, port scans, one GPU
            // vendor's counters) is an add-on: while it waits for room, one node misses one
            // family of series.
            None if single_purpose_exporter(cx.profile, pod) => {}
            // An on-demand scan, diagnostics run or debug session, or housekeeping of what
            // workloads leave behind: while it waits for room, nothing the node runs misses it.
            None if on_demand_or_housekeeping(ds, pod) && !node_needs_it => {}
            // A pod whose working containers reserve nothing always fits, so priority buys it
            // no place on a full node, and it is always among the pods over their requests,
            // whom the kubelet evicts first (priority only orders them): the requests come
            // first (DS101 says so). A sidecar's few millicores do not change that. An agent
            // the node cannot run without is still told: `system-node-critical` exempts it
            // from eviction.
            None if cx.profile.work_reserves_nothing(pod) && !node_needs_it => {}
            // A receiver (its containers declare ports) that reaches nothing of its node, takes
            // no hostPort and is not told its node's name serves only what reaches it through
            // a Service, which routes around a node whose pod waits for room: that node loses
            // nothing (held-out review 72 W41, an OpenTelemetry collector with no host
            // access). A controller that reaches nothing of its node works for the cluster,
            // and is still told.
            None if pod.reaches_nothing_of_node()
                && !node_needs_it
                && pod.containers.iter().any(|c| !c.ports.is_empty())
                && pod.all_containers().all(|c| {
                    c.node_link.is_none() && c.ports.iter().all(|p| p.host_port.is_none())
                }) => {}
            None => {
                // `system-node-critical` is for what the node cannot work without; for other
                // agents the class is the team's to create, so no fix guesses it.
                // Clusters may admit the system classes outside `kube-system` only where a
                // ResourceQuota allows them (GKE's admission config limits them so).
                let elsewhere = ds
                    .metadata
                    .namespace
                    .as_ref()
                    .filter(|n| n.value != "kube-system")
                    .map_or(String::new(), |n| {
                        format!(
                            " (in `{}`, clusters that limit the system classes to \
                             `kube-system`, as GKE does, admit it only with a ResourceQuota \
                             that allows it)",
                            n.value
                        )
                    });
                // A cloud controller manager initialises nodes and serves load balancers for
                // the whole cluster: what `system-cluster-critical` is for.
                let cloud_controller = pod.all_containers().any(|c| {
                    c.image_name()
                        .is_some_and(|n| n.contains("cloud-controller-manager"))
                });
                let help = if cloud_controller {
                    format!(
                        "set `priorityClassName: system-cluster-critical`{elsewhere}: a cloud \
                         controller manager initialises new nodes and serves the cluster's load \
                         balancers, so eviction and preemption should spare it"
                    )
                } else if node_needs_it {
                    format!(
                        "set `priorityClassName: system-node-critical`{elsewhere} if the node's \
                         pods cannot work without this agent (their network, storage or \
                         devices), so eviction and preemption spare it; otherwise a class of \
                         your own above your workloads'"
                    )
                } else {
                    "set a priority class above your workloads' (create one for node agents, \
                     or list yours in the `priority-classes` setting); `system-node-critical` \
                     is for agents the node cannot work without, such as its network"
                        .to_owned()
                };
                cx.report(
                    Diagnostic::new(&META, pod.key, "the pod template sets no priorityClassName")
                        .label("priority 0, like ordinary workloads")
                        .help(help)
                        .fix((node_needs_it || !allowed.is_empty()).then(|| fix(pod, allowed))),
                );
            }
            Some(class) if !allowed.is_empty() && !allowed.contains(&class.value) => cx.report(
                Diagnostic::new(
                    &META,
                    class.span,
                    format!(
                        "priority class `{}` is not one of the allowed classes",
                        class.value
                    ),
                )
                .label("not in priority-classes")
                .help(format!("use one of: {}", allowed.join(", ")))
                .fix(Some(fix(pod, allowed))),
            ),
            Some(_) => {}
        }
    }
}

/// Whether the node's pods cannot work without the agent: a network agent or device plugin,
/// or a CSI node plugin that registers with the kubelet (it mounts the kubelet's
/// `plugins_registry` or `plugins` folder, or runs a registrar): the kubelet calls it to mount
/// their volumes. A storage agent that does not (a local volume provisioner, a secrets-store
/// provider installer) works beside the pods, not under them.
fn node_needs(profile: &Profile, pod: &PodSpec) -> bool {
    match profile.kind {
        AgentKind::Network | AgentKind::DevicePlugin => true,
        // A Secrets Store CSI provider serves the registered driver over a socket in the
        // providers folder: the driver cannot mount a pod's secrets without it.
        AgentKind::CsiNode => csi_registration(pod).is_some() || secrets_store_provider(pod),
        _ => false,
    }
}

/// Whether the pod mounts the Secrets Store CSI driver's providers folder
/// (`/etc/kubernetes/secrets-store-csi-providers`, `/var/run/...`, Windows' `C:\k\...`), where
/// a provider serves its socket.
fn secrets_store_provider(pod: &PodSpec) -> bool {
    pod.volumes
        .iter()
        .filter_map(|v| v.host_path.as_ref()?.path.as_ref())
        .any(|p| normalize(&p.value).ends_with("/secrets-store-csi-providers"))
}

/// Marked a pod critical for the rescheduler until Kubernetes 1.16 removed the
/// ExperimentalCriticalPodAnnotation feature gate: priority classes replaced it.
const LEGACY_CRITICAL_ANNOTATION: &str = "scheduler.alpha.kubernetes.io/critical-pod";

/// Preemption and eviction order change, so this changes how the agent runs.
fn fix(pod: &PodSpec, allowed: &[String]) -> Fix {
    // The first allowed class, or the one the node needs most.
    let class = allowed.first().map_or(NODE_CRITICAL, String::as_str);
    let change = match &pod.priority_class_name {
        Some(c) => Change::Replace {
            span: c.span,
            content: class.to_owned(),
        },
        None => Change::Insert {
            into: Target::ValueOf(pod.key),
            key: "priorityClassName".to_owned(),
            value: Value::scalar(quote(class)),
        },
    };
    Fix::unsafe_(format!("set `priorityClassName: {class}`"), vec![change])
}

#[cfg(test)]
mod tests {
    use crate::rules::test_support::positions;

    #[test]
    fn priority() {
        let y = "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: a}\nspec:\n  selector: {matchLabels: {app: a}}\n  template:\n    metadata: {labels: {app: a}}\n    spec:\n      containers: [{name: c, image: 'fluent/fluent-bit:3.0', resources: {requests: {memory: 64Mi}}, volumeMounts: [{name: log, mountPath: /var/log}]}]\n      volumes: [{name: log, hostPath: {path: /var/log}}]\n";
        assert_eq!(positions(y, "DS501"), ["8:5"]);
        // Reaching nothing of its node, it serves only what a Service sends it.
        let detached = y
            .replace(
                ", volumeMounts: [{name: log, mountPath: /var/log}]",
                ", ports: [{containerPort: 24224}]",
            )
            .replace(
                "      volumes: [{name: log, hostPath: {path: /var/log}}]\n",
                "",
            );
        assert!(positions(&detached, "DS501").is_empty());
        let host_port = detached.replace("24224}", "24224, hostPort: 24224}");
        assert_eq!(positions(&host_port, "DS501"), ["8:5"]);
        let best_effort = y.replace(", resources: {requests: {memory: 64Mi}}", "");
        assert!(positions(&best_effort, "DS501").is_empty());
        let workload = detached.replace("'fluent/fluent-bit:3.0'", "nginx:1.27");
        assert!(positions(&workload, "DS501").is_empty());
        let set = y.replace(
            "    spec:\n",
            "    spec:\n      priorityClassName: system-node-critical\n",
        );
        assert!(positions(&set, "DS501").is_empty());
    }
}
