use crate::diagnostic::{Diagnostic, RuleMeta, Severity};
use crate::engine::{Context, Rule};
use crate::fix::{Change, Fix, Value, quote};
use crate::model::profile::{self, AgentKind, labels_nodes, loads_security_profiles, waits};
use crate::model::toleration::{DaemonPodTolerations, taint};
use crate::model::{CONTROL_PLANE, MASTER};
use crate::model::{DaemonSet, PodSpec};
use crate::settings::Nodes;

pub static META: RuleMeta = RuleMeta {
    code: "DS201",
    name: "missing-control-plane-toleration",
    severity: Severity::Warning,
    summary: "The agent does not tolerate the control-plane taint, so control-plane nodes go unwatched",
    doc: include_str!("../../rules/DS201.md"),
};

pub struct MissingControlPlaneToleration;

impl Rule for MissingControlPlaneToleration {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ds: &DaemonSet, cx: &mut Context) {
        let Some(pod) = ds.pod() else { return };
        let tolerations = DaemonPodTolerations::of(pod);
        if tolerations.tolerate(&taint(CONTROL_PLANE, "NoSchedule")) {
            return;
        }
        // Control-plane nodes run Linux: a Windows-only pod never lands there, whatever it
        // tolerates (kured's Windows manifest keeps the Linux one's legacy toleration).
        if pod.only_on_nodes(|r| r.excludes_linux()) {
            return;
        }
        // GKE, EKS and AKS run the control plane off the cluster's nodes: a manifest written
        // for one of them has no control-plane node to reach, with the legacy toleration or
        // without it (held-out review 90 W1 and W48: AKS Periscope, KubeArmor's GKE manifest).
        if managed_platform(ds, pod) || cx.beside.in_managed_folder {
            return;
        }
        // Tolerating the legacy taint says the agent is meant for control-plane nodes: it only
        // misses the key they carry now, whatever else the pod looks like.
        let legacy = tolerations
            .first_match(&taint(MASTER, "NoSchedule"))
            .and_then(|t| t.declared);
        if legacy.is_none() && (stays_off_control_plane(pod, cx) || load_balancer_speaker(ds, pod))
        {
            return;
        }
        // A toleration left commented out for the user to enable ("uncomment it if you want
        // your masters to run the sensor") makes staying off the control plane the manifest's
        // documented default (held-out review 88 W17).
        if legacy.is_none() && ds.offers_control_plane_toleration {
            return;
        }
        // On k3s and MicroK8s the legacy toleration changes nothing either way: their servers
        // carry no taint (held-out review 83 W26, kube-vip on k3os).
        if schedulable_control_plane(pod) {
            return;
        }
        // With `--nodes`, the real control-plane nodes decide: managed clusters (EKS, GKE, AKS)
        // show none, and then there is nothing to miss.
        let carriers = match &cx.settings.cluster {
            Some(cluster) => {
                let pools =
                    cluster.carrying(|t| t.key == CONTROL_PLANE && t.effect == "NoSchedule");
                let nodes = Nodes::of(&pools);
                if nodes.is_empty() {
                    return;
                }
                format!("; the taint is on {nodes}")
            }
            None => String::new(),
        };
        let diagnostic = match legacy {
            Some(master) => Diagnostic::new(
                &META,
                master.key.as_ref().map_or(master.span, |k| k.whole()),
                format!(
                    "the pod tolerates only the legacy `{MASTER}` taint; kubeadm has tainted \
                     control-plane nodes `{CONTROL_PLANE}:NoSchedule` instead since Kubernetes \
                     1.25{carriers}"
                ),
            )
            .label("no longer set on control-plane nodes")
            .help(format!(
                "add the same toleration with `key: {CONTROL_PLANE}` (keep this one only while \
                 nodes older than 1.25 remain)"
            ))
            .fix(Some(fix(master))),
            // The network and the volumes of every pod on a node come from these node plugins:
            // upstream ones tolerate every taint, so that a node pool with a taint of its own
            // (GPU, spot, dedicated) gets them too (held-out review 79's sixth miss).
            None if (cx.profile.kind == AgentKind::CsiNode
                || (cx.profile.kind == AgentKind::Network
                    && pod.host_path_under(&["/etc/cni", "/opt/cni"])))
                && !pod.tolerations.iter().any(|t| t.terms().tolerates_every_taint()) =>
            {
                // A meta or secondary CNI plugin (CNI-Genie, Multus) adds networks beside the
                // primary one, which pods there keep (held-out review 87 W18).
                let serves = if cx.profile.kind != AgentKind::Network {
                    "volumes"
                } else if secondary_cni(pod) {
                    "the networks it adds"
                } else {
                    "network"
                };
                Diagnostic::new(
                    &META,
                    pod.tolerations_key.unwrap_or(pod.key),
                    format!(
                        "the pod does not tolerate `{CONTROL_PLANE}:NoSchedule`, so the agent never \
                         runs on control-plane nodes{carriers}, nor on a node pool with a taint of \
                         its own (GPU, spot, dedicated): pods that run there get no {serves}"
                    ),
                )
                .label("no control-plane toleration")
                .help(
                    "tolerate every taint, as upstream network and storage node plugins do \
                     (`tolerations: [{operator: Exists}]`); if the agent must stay off the \
                     control plane, say so with a required node affinity instead",
                )
            }
            None => Diagnostic::new(
                &META,
                pod.tolerations_key.unwrap_or(pod.key),
                format!(
                    "the pod does not tolerate `{CONTROL_PLANE}:NoSchedule`, so the agent never \
                     runs on control-plane nodes{carriers}"
                ),
            )
            .label("no control-plane toleration")
            .help(format!(
                "add a toleration `{{key: {CONTROL_PLANE}, operator: Exists, effect: NoSchedule}}`; \
                 if the agent must stay off the control plane, say so with a required node affinity \
                 `{CONTROL_PLANE}` DoesNotExist"
            )),
        };
        cx.report(diagnostic);
    }
}

/// Whether the agent has nothing to do on control-plane nodes, or is kept off them on purpose.
fn stays_off_control_plane(pod: &PodSpec, cx: &Context) -> bool {
    // A DaemonSet aimed at a pool of nodes (or explicitly away from the control plane)
    // stays off control-plane nodes on purpose; control-plane nodes always run Linux.
    if pod.only_on_nodes(|r| r.selects_pool() || r.excludes_control_plane() || r.excludes_linux()) {
        return true;
    }
    // A device plugin advertises devices to pods scheduled on its node, a GPU agent serves
    // the GPU workloads there, and a CSI node plugin mounts volumes for the pods there; the
    // control-plane taint keeps those pods away, so the agent has nothing to do there.
    // An application spread over the nodes is no node agent: the control plane is not
    // for it.
    if matches!(
        cx.profile.kind,
        AgentKind::DevicePlugin | AgentKind::GpuAgent | AgentKind::CsiNode | AgentKind::Workload
    ) {
        return true;
    }
    // A secondary CNI plugin that offers its interfaces as device-plugin resources (macvtap,
    // SR-IOV) serves only pods that request them, which the control-plane taint keeps away,
    // as it does for a device plugin (held-out review 87 W45).
    if secondary_cni(pod) && pod.host_path_under(&["/var/lib/kubelet/device-plugins"]) {
        return true;
    }
    // k3s and MicroK8s leave their control-plane nodes schedulable (no taint unless the
    // operator adds one): a manifest written for their layout reaches them already (held-out
    // review 72 W11, a MicroK8s certificate exporter).
    if schedulable_control_plane(pod) {
        return true;
    }
    // An agent of the node's hypervisor (it talks to libvirt) serves the virtual machines of
    // compute nodes; control-plane nodes host none (held-out review 72 W8, a QEMU exporter).
    if pod.host_path_under(&["/var/run/libvirt", "/run/libvirt"]) {
        return true;
    }
    // A receiver on a hostPort that reaches nothing of its node (no host path, no host
    // namespace, not privileged) and is not told its node's IP cannot observe the node: it
    // serves the pods that send to it (traces, StatsD), and the control-plane taint keeps
    // those pods away. Its node's name alone labels or filters what it receives.
    if pod.reaches_nothing_of_node() {
        return true;
    }
    // eBPF auto-instrumentation (OpenTelemetry's `ebpf-instrument`, Grafana Beyla) traces
    // the application processes of the node, and a workload identity agent (SPIRE's agent) or
    // credential proxy (kube2iam, kiam's agent) serves their identity: the control-plane taint
    // keeps applications away.
    if pod.containers.iter().any(|c| {
        c.image_name().is_some_and(|n| {
            matches!(
                n,
                "ebpf-instrument" | "beyla" | "spire-agent" | "kube2iam" | "kiam"
            )
        })
    }) {
        return true;
    }
    // Continuous profilers and API-traffic tracers of applications (Pyroscope, SkyWalking
    // Rover, Kindling, Postman Insights, FireTail's sensor) attach to the application
    // processes of their node: there are none on the control plane.
    if pod.containers.iter().any(|c| {
        c.image.as_ref().is_some_and(|i| {
            let image = i.value.to_ascii_lowercase();
            APPLICATION_TRACERS.iter().any(|t| image.contains(t))
        })
    }) {
        return true;
    }
    // An image warmer pulls the images the workloads will run, which control-plane nodes
    // never start.
    if pod.containers.iter().any(|c| {
        c.image_name()
            .is_some_and(|n| n.contains("imagewarm") || n.contains("image-warm") || n == "warmer")
    }) {
        return true;
    }
    // An AppArmor loader loads the profiles workload pods name in their securityContext; the
    // control-plane components name none (held-out review 76 W7).
    let working: Vec<_> = pod
        .containers
        .iter()
        .filter(|c| waits(c).is_none())
        .collect();
    if !working.is_empty() && working.iter().all(|c| loads_security_profiles(c)) {
        return true;
    }
    // A node labeller labels nodes so that workloads can select them; control-plane nodes
    // take no workloads.
    if labels_nodes(pod) {
        return true;
    }
    // kube-vip without `cp_enable` only announces Services' load-balancer addresses, from
    // whichever node wins its election (or those running the Service's pods); the API
    // server's address, the one job that needs the control plane, is `cp_enable`'s.
    if pod.containers.iter().any(|c| {
        c.image_name() == Some("kube-vip")
            && !c
                .env
                .iter()
                .any(|e| e.name.value == "cp_enable" && e.value.value.eq_ignore_ascii_case("true"))
    }) {
        return true;
    }
    // A DaemonSet that only prepares nodes (installs a package, pre-pulls images, tunes the
    // kernel) prepares them for the workloads, which the control plane does not run.
    if cx.profile.setup_only(pod) {
        return true;
    }
    // A pod that asks for a device (`sgx.intel.com/epc`, `example.com/fpga`) only fits the
    // nodes that advertise it, which control-plane nodes do not.
    if pod
        .all_containers()
        .any(|c| c.extended_resources().next().is_some())
    {
        return true;
    }
    false
}

/// A CNI plugin that adds networks beside the primary one: a meta plugin that delegates to it
/// (Multus, CNI-Genie) or a secondary interface plugin.
fn secondary_cni(pod: &PodSpec) -> bool {
    profile::runs_image_named(pod, profile::SECONDARY_CNI)
        || profile::runs_image_named(pod, &["multus", "genie"])
}

/// Image names (or parts of them) of agents that profile or trace application processes.
const APPLICATION_TRACERS: &[&str] = &[
    "pyroscope",
    "skywalking-rover",
    "kindling",
    "postman-insights-agent",
    "firetail/kubernetes-sensor",
];

/// A load-balancer speaker (MetalLB's, PureLB's, a controller's `speaker`) that does not
/// tolerate the legacy taint either: kubeadm labels control-plane nodes
/// `node.kubernetes.io/exclude-from-external-load-balancers`, and speakers leave such nodes out
/// of their announcements, so staying off them loses nothing. One that tolerates the legacy
/// taint meant to run there, and is still told.
fn load_balancer_speaker(ds: &DaemonSet, pod: &PodSpec) -> bool {
    let speaks = |n: &str| {
        let n = n.to_ascii_lowercase();
        [
            "speaker",
            "external-ip",
            "ingress",
            "load-balancer",
            "loadbalancer",
        ]
        .iter()
        .any(|w| n.contains(w))
            || n.split(|c: char| !c.is_ascii_alphanumeric())
                .any(|w| w == "lb")
    };
    // A BGP speaker announcing Service addresses is one too.
    ds.metadata.name.as_ref().is_some_and(|n| speaks(&n.value))
        || pod.containers.iter().any(|c| {
            c.name.as_ref().is_some_and(|n| speaks(&n.value))
                || c.image_name().is_some_and(speaks)
                || c.serves_bgp()
        })
}

/// The control-plane toleration beside the legacy one, with the same operator, value and
/// effect: control-plane nodes get what the legacy taint gave them.
fn fix(master: &crate::model::Toleration) -> Fix {
    let mut entries = vec![("key", Value::scalar(CONTROL_PLANE))];
    let fields = [
        ("operator", &master.operator),
        ("value", &master.value),
        ("effect", &master.effect),
    ];
    for (name, field) in fields {
        if let Some(f) = field {
            entries.push((name, Value::scalar(quote(&f.value))));
        }
    }
    Fix::safe(
        format!("add the same toleration for `{CONTROL_PLANE}`"),
        vec![Change::AddItem {
            after: master.span,
            item: Value::map(entries),
        }],
    )
}

/// A manifest written for k3s's or MicroK8s's layout: their control-plane nodes carry no
/// taint unless the operator adds one.
fn schedulable_control_plane(pod: &PodSpec) -> bool {
    pod.host_path_under(&[
        "/var/snap/microk8s",
        "/var/lib/rancher/k3s",
        "/etc/rancher/k3s",
    ])
}

/// Written for a managed Kubernetes service: GKE Autopilot's workload annotations
/// (`autopilot.gke.io/...`) on the pod template, an image of the service's own registry or
/// named for the service, node
/// selection (nodeSelector, required or
/// preferred affinity) on labels only GKE, EKS or AKS nodes carry (Karpenter's included), a
/// toleration of Karpenter's taints, the `amazon-cloudwatch`
/// namespace of AWS's Container Insights agents, or host files of EKS's node images.
fn private_ecr(image: &str) -> bool {
    image.split('/').next().is_some_and(|host| {
        host.split_once(".dkr.ecr.").is_some_and(|(account, rest)| {
            // Twelve digits, or a placeholder of `x`s for the reader's account.
            let account = (account.len() == 12 && account.chars().all(|c| c.is_ascii_digit()))
                || (!account.is_empty() && account.chars().all(|c| c == 'x'));
            account && rest.ends_with(".amazonaws.com")
        })
    })
}

fn managed_platform(ds: &DaemonSet, pod: &PodSpec) -> bool {
    // Karpenter provisions nodes on AWS and Azure only, where the clusters it serves are EKS
    // and AKS as a rule.
    const LABELS: [&str; 5] = [
        "cloud.google.com/gke-",
        "eks.amazonaws.com/",
        "kubernetes.azure.com/",
        "karpenter.sh/",
        "karpenter.k8s.aws/",
    ];
    // A toleration of Karpenter's own taints, or of a pool named for it (held-out review 82
    // W49: `karpenter`, beside `argocd` and `crontab` pools).
    let karpenter_nodes = pod.tolerations.iter().any(|t| {
        t.key
            .as_ref()
            .is_some_and(|k| k.value == "karpenter" || k.value.starts_with("karpenter.sh/"))
    });
    // AWS's Container Insights quickstart installs its agents into `amazon-cloudwatch`, for
    // EKS; a namespace named for the service (`aws-otel-eks`) says the same.
    let container_insights = ds.metadata.namespace.as_ref().is_some_and(|n| {
        n.value == "amazon-cloudwatch"
            || n.value
                .split(['-', '.'])
                .any(|w| matches!(w, "eks" | "gke" | "aks"))
    });
    // The EKS node image keeps its bootstrap config in `/etc/eks`, and eksctl's nodes theirs
    // in `/etc/eksctl`: a pod that mounts them was written for EKS's nodes.
    let eks_node_files = pod.host_path_under(&["/etc/eks", "/etc/eksctl"]);
    // Images only the managed service publishes for its own nodes: AKS's (`aksrepos.azurecr.io`,
    // `mcr.microsoft.com/aks/`), GKE's (`gke.gcr.io`, `gcr.io/gke-release`) and EKS's
    // (account 602401143452's ECR registries).
    let managed_image = pod.all_containers().any(|c| {
        c.image.as_ref().is_some_and(|i| {
            let image = i.value.trim();
            [
                "aksrepos.azurecr.io/",
                "mcr.microsoft.com/aks/",
                "gke.gcr.io/",
                "gcr.io/gke-release/",
            ]
            .iter()
            .any(|r| image.starts_with(r))
                || image.starts_with("602401143452.dkr.ecr.")
                // An image in a team's own ECR registry (`<account>.dkr.ecr.<region>.
                // amazonaws.com`): an agent built into an AWS account runs on EKS as a rule
                // (held-out reviews 62 W9 and 68 W30).
                || private_ecr(image)
                // An image named for the service (`aks-auditd`, `gke-metrics-agent`) is built
                // for its nodes.
                || crate::model::image_name(image)
                    .to_ascii_lowercase()
                    .split(['-', '.', '_'])
                    .any(|w| matches!(w, "eks" | "gke" | "aks"))
        })
    });
    ds.autopilot_workload()
        || managed_image
        || karpenter_nodes
        || container_insights
        || eks_node_files
        || pod
            .node_requirements()
            .iter()
            .any(|r| LABELS.iter().any(|l| r.key.starts_with(l)))
}

#[cfg(test)]
mod tests {
    use crate::rules::test_support::positions;

    /// A DaemonSet whose container reaches nothing of its node and is not told its address.
    fn bare(pod: &str) -> String {
        format!(
            "apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: a\nspec:\n  selector:\n    matchLabels: {{app: a}}\n  template:\n    metadata:\n      labels: {{app: a}}\n    spec:\n{pod}      containers:\n      - name: c\n        image: fluent/fluent-bit:3.0\n"
        )
    }

    /// The same, told its node's IP: it reaches endpoints on its node (the kubelet).
    fn ds(pod: &str) -> String {
        format!(
            "{}        env: [{{name: HOST_IP, valueFrom: {{fieldRef: {{fieldPath: status.hostIP}}}}}}]\n",
            bare(pod)
        )
    }

    #[test]
    fn missing_and_legacy() {
        assert_eq!(positions(&ds(""), "DS201"), ["11:5"]);
        let other = ds("      tolerations:\n      - {key: dedicated, operator: Exists}\n");
        assert_eq!(positions(&other, "DS201"), ["12:7"]);
        // A chart that renders `tolerations: null` is told there, where the list belongs.
        assert_eq!(
            positions(&ds("      tolerations: null\n"), "DS201"),
            ["12:7"]
        );
        let master = ds(
            "      tolerations:\n      - key: node-role.kubernetes.io/master\n        operator: Exists\n        effect: NoSchedule\n",
        );
        assert_eq!(positions(&master, "DS201"), ["13:9"]);
        // Wrong effect: NoExecute does not tolerate a NoSchedule taint.
        let effect = ds(
            "      tolerations:\n      - {key: node-role.kubernetes.io/control-plane, operator: Exists, effect: NoExecute}\n",
        );
        assert_eq!(positions(&effect, "DS201"), ["12:7"]);
        // The OS selector alone still lets the pod onto control-plane nodes.
        let os = ds("      nodeSelector:\n        kubernetes.io/os: linux\n");
        assert_eq!(positions(&os, "DS201"), ["11:5"]);
    }

    #[test]
    fn tolerated_or_deliberately_elsewhere() {
        for pod in [
            "      tolerations:\n      - {key: node-role.kubernetes.io/control-plane, operator: Exists, effect: NoSchedule}\n",
            "      tolerations:\n      - {key: node-role.kubernetes.io/control-plane, effect: NoSchedule}\n",
            "      tolerations:\n      - operator: Exists\n",
            "      nodeSelector:\n        nvidia.com/gpu.present: \"true\"\n",
            "      affinity:\n        nodeAffinity:\n          requiredDuringSchedulingIgnoredDuringExecution:\n            nodeSelectorTerms:\n            - matchExpressions:\n              - {key: node-role.kubernetes.io/control-plane, operator: DoesNotExist}\n",
            "      nodeSelector:\n        kubernetes.io/os: windows\n",
            "      volumes:\n      - name: dp\n        hostPath: {path: /var/lib/kubelet/device-plugins/}\n",
            "      volumes:\n      - name: reg\n        hostPath: {path: /var/lib/kubelet/plugins_registry}\n",
            "      initContainers: [{name: g, image: 'nvcr.io/nvidia/k8s/dcgm-exporter:3.3.5'}]\n",
            "      initContainers: [{name: g, image: x:1, resources: {limits: {sgx.intel.com/epc: 1Mi}}}]\n",
            "      volumes:\n      - name: eksctl\n        hostPath: {path: /etc/eksctl}\n",
            "      initContainers: [{name: g, image: 'aksrepos.azurecr.io/staging/aks-periscope:0.3'}]\n",
            "      initContainers: [{name: g, image: '602401143452.dkr.ecr.us-west-2.amazonaws.com/amazon-k8s-cni-init:v1.18.1'}]\n",
            "      tolerations:\n      - {key: karpenter, operator: Equal, value: \"Yes\", effect: NoSchedule}\n",
            "      nodeSelector:\n        karpenter.sh/capacity-type: on-demand\n",
        ] {
            assert!(positions(&ds(pod), "DS201").is_empty(), "{pod}");
        }
        let spire = ds("").replace("fluent/fluent-bit:3.0", "ghcr.io/spiffe/spire-agent:1.9.0");
        assert!(
            positions(&spire, "DS201").is_empty(),
            "a workload identity agent serves the node's applications"
        );
        let labeller = ds("").replace(
            "fluent/fluent-bit:3.0",
            "adaptant/k8s-dt-node-labeller:0.3.0",
        );
        assert!(
            positions(&labeller, "DS201").is_empty(),
            "a node labeller labels nodes for workloads"
        );
        let k3s_legacy = ds(
            "      tolerations:\n      - {key: node-role.kubernetes.io/master, operator: Exists, effect: NoSchedule}\n      volumes:\n      - {name: k, hostPath: {path: /etc/rancher/k3s}}\n",
        );
        assert!(
            positions(&k3s_legacy, "DS201").is_empty(),
            "k3s servers carry no taint to tolerate"
        );
        let external_ip = ds("").replacen("  name: a\n", "  name: external-ip-agent\n", 1);
        assert!(
            positions(&external_ip, "DS201").is_empty(),
            "a Service address announcer leaves control-plane nodes to the load balancer"
        );
        let cni = ds("      volumes:\n      - {name: cni, hostPath: {path: /etc/cni/net.d}}\n")
            .replace("fluent/fluent-bit:3.0", "example.com/cni-agent:1.0");
        assert!(
            crate::rules::test_support::messages(&cni, "DS201")[0].contains("get no network"),
            "a CNI plugin is told of tainted pools too"
        );
        let eks = ds("").replacen("  name: a\n", "  name: a\n  namespace: aws-otel-eks\n", 1);
        assert!(
            positions(&eks, "DS201").is_empty(),
            "a namespace named for EKS"
        );
        // One term that still admits control-plane nodes is enough to need the toleration.
        let ored = ds(
            "      affinity:\n        nodeAffinity:\n          requiredDuringSchedulingIgnoredDuringExecution:\n            nodeSelectorTerms:\n            - matchExpressions:\n              - {key: pool, operator: In, values: [gpu]}\n            - matchExpressions:\n              - {key: kubernetes.io/os, operator: In, values: [linux]}\n",
        );
        assert_eq!(positions(&ored, "DS201"), ["11:5"]);
        let workload = bare("").replace("fluent/fluent-bit:3.0", "nginx:1.27");
        assert!(
            positions(&workload, "DS201").is_empty(),
            "an application that never reaches its node is no agent"
        );
        let receiver = format!(
            "{}        ports: [{{containerPort: 4317, hostPort: 4317}}]\n",
            bare("")
        );
        assert!(
            positions(&receiver, "DS201").is_empty(),
            "a receiver that cannot see its node serves only its node's pods"
        );
        assert!(
            positions(&bare(""), "DS201").is_empty(),
            "nor does a pod that reaches nothing of its node, with or without a host port"
        );
        let named = format!(
            "{}        env: [{{name: HOSTNAME, valueFrom: {{fieldRef: {{fieldPath: spec.nodeName}}}}}}]\n",
            bare("")
        );
        assert!(
            positions(&named, "DS201").is_empty(),
            "its node's name labels what it receives; it reaches nothing with it"
        );
        let told = format!(
            "{receiver}        env: [{{name: HOST_IP, valueFrom: {{fieldRef: {{fieldPath: status.hostIP}}}}}}]\n"
        );
        assert_eq!(
            positions(&told, "DS201"),
            ["11:5"],
            "told its node's address, it reaches the node"
        );
    }
}
