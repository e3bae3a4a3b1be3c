use super::container::{Resources, resource_list};
use super::daemonset::Requirement;
use super::{Container, ObjectMeta, Pair, Reader, Spanned, VolumeMount};
use crate::source::Span;
use crate::yaml::{Node, Value};

#[derive(Debug)]
pub struct PodTemplate {
    pub key: Span,
    pub metadata: ObjectMeta,
    pub spec: Option<PodSpec>,
}

#[derive(Debug, Default)]
pub struct PodSpec {
    pub key: Span,
    pub containers: Vec<Container>,
    pub init_containers: Vec<Container>,
    pub volumes: Vec<Volume>,
    /// The `tolerations:` key, when present.
    pub tolerations_key: Option<Span>,
    pub tolerations: Vec<Toleration>,
    pub node_selector: Vec<Pair>,
    /// `nodeSelectorTerms` of required node affinity; a pod must match one of them.
    pub required_node_terms: Vec<Vec<Requirement>>,
    /// `matchFields` of the same terms, index for index.
    pub required_node_fields: Vec<Vec<Requirement>>,
    /// `matchExpressions` of each preferred node affinity term's `preference`.
    pub preferred_node_terms: Vec<Vec<Requirement>>,
    pub priority_class_name: Option<Spanned<String>>,
    /// `serviceAccountName`, or its deprecated alias `serviceAccount` when only that is set.
    pub service_account: Option<Spanned<String>>,
    /// `automountServiceAccountToken`: `false` keeps the API token out of the containers.
    pub automount_token: Option<Spanned<bool>>,
    pub runtime_class_name: Option<Spanned<String>>,
    pub host_network: Option<Spanned<bool>>,
    /// `hostUsers`: `false` runs the pod in a user namespace of its own.
    pub host_users: Option<Spanned<bool>>,
    pub host_pid: Option<Spanned<bool>>,
    pub host_ipc: Option<Spanned<bool>>,
    /// A Windows HostProcess pod (set on the pod or on a container): it runs on the host, and
    /// the API requires `hostNetwork` for it.
    pub host_process: bool,
    pub termination_grace_period_seconds: Option<Spanned<i64>>,
    pub restart_policy: Option<Spanned<String>>,
    /// Pod-level `resources` (PodLevelResources); when set they decide the QoS class.
    pub resources: Option<Resources>,
    /// The pod securityContext's user settings, which containers inherit.
    pub run_as_user: Option<Spanned<i64>>,
    pub run_as_non_root: Option<Spanned<bool>>,
    /// `securityContext.seccompProfile.type`.
    pub seccomp_profile: Option<Spanned<String>>,
}

#[derive(Debug)]
pub struct Toleration {
    pub span: Span,
    pub key: Option<Spanned<String>>,
    pub operator: Option<Spanned<String>>,
    pub value: Option<Spanned<String>>,
    pub effect: Option<Spanned<String>>,
    pub toleration_seconds: Option<Spanned<i64>>,
}

#[derive(Debug)]
pub struct Volume {
    pub name: Option<Spanned<String>>,
    pub host_path: Option<HostPathVolume>,
    /// `configMap.name`: settings the loader may find in the same file (Fluent Bit's `Grace`).
    pub config_map: Option<String>,
    /// The `items` of a `configMap` or `secret` volume: with them, the volume holds only the
    /// listed paths.
    pub items: Option<ProjectedItems>,
    /// `emptyDir.medium` (`Memory`, `HugePages`, `HugePages-2Mi`).
    pub empty_dir_medium: Option<Spanned<String>>,
}

#[derive(Debug)]
pub struct ProjectedItems {
    /// The `items` key.
    pub span: Span,
    /// Each item's `path`, as the container sees it under the mount.
    pub paths: Vec<String>,
}

#[derive(Debug)]
pub struct HostPathVolume {
    /// The `hostPath` key.
    pub key: Span,
    pub path: Option<Spanned<String>>,
    /// `type`: `DirectoryOrCreate` says the agent makes the directory for itself.
    pub kind: Option<Spanned<String>>,
}

impl PodTemplate {
    pub fn read(node: &Node, key: Span, r: &mut Reader) -> PodTemplate {
        let metadata = ObjectMeta::read(node, r);
        let spec = match r.map(node, "spec") {
            Some(e) => Some(PodSpec::read(&e.value, e.key_span, r)),
            None => {
                r.problem(key, "the pod template has no `spec`".to_owned());
                None
            }
        };
        PodTemplate {
            key,
            metadata,
            spec,
        }
    }
}

/// Whether the pod, or one of its containers, sets `windowsOptions.hostProcess: true`.
fn host_process(pod: &Node) -> bool {
    let on = |n: &Node| {
        n.get("securityContext")
            .and_then(|s| s.get("windowsOptions"))
            .and_then(|w| w.get("hostProcess"))
            .is_some_and(|h| matches!(h.value, Value::Bool(true)))
    };
    let containers = ["containers", "initContainers"]
        .into_iter()
        .flat_map(|key| match pod.get(key).map(|n| &n.value) {
            Some(Value::Seq(items)) => items.iter().collect(),
            _ => Vec::new(),
        });
    on(pod) || containers.into_iter().any(on)
}

/// `system-node-critical`: the kubelet never evicts the pod under node pressure and gives it
/// the OOM score of a Guaranteed pod, whatever its QoS class (`IsNodeCriticalPod`).
pub const NODE_CRITICAL: &str = "system-node-critical";
/// `system-cluster-critical`: never evicted under node pressure either (`IsCriticalPod`: a
/// priority of 2,000,000,000 or more, which only the two built-in classes reach).
pub const CLUSTER_CRITICAL: &str = "system-cluster-critical";

impl PodSpec {
    /// Whether the kubelet's node-pressure eviction skips this pod.
    pub fn critical(&self) -> bool {
        self.priority_class_name
            .as_ref()
            .is_some_and(|c| c.value == NODE_CRITICAL || c.value == CLUSTER_CRITICAL)
    }

    /// Whether the kernel's OOM killer treats the pod as Guaranteed whatever its QoS.
    pub fn node_critical(&self) -> bool {
        self.priority_class_name
            .as_ref()
            .is_some_and(|c| c.value == NODE_CRITICAL)
    }

    fn read(node: &Node, key: Span, r: &mut Reader) -> PodSpec {
        let containers: Vec<Container> = r
            .maps(node, "containers")
            .into_iter()
            .map(|c| Container::read(c, false, r))
            .collect();
        if containers.is_empty() && node.get("containers").is_none_or(|c| !c.is_null()) {
            let at = node.entry("containers").map_or(key, |e| e.key_span);
            r.problem(
                at,
                "the pod template needs at least one container".to_owned(),
            );
        }
        let init_containers = r
            .maps(node, "initContainers")
            .into_iter()
            .map(|c| Container::read(c, true, r))
            .collect();
        // `tolerations: null` is no list, but it is where a reader looks for one.
        let tolerations_key = node.entry("tolerations").map(|e| e.key_span);
        let tolerations = r
            .maps(node, "tolerations")
            .into_iter()
            .map(|t| Toleration {
                span: t.span,
                key: r.string(t, "key"),
                operator: r.string(t, "operator").map(|mut o| {
                    // Validation and matching treat an empty operator as Equal.
                    if o.value.is_empty() {
                        o.value = "Equal".to_owned();
                    }
                    o
                }),
                value: r.string(t, "value"),
                effect: r.string(t, "effect"),
                toleration_seconds: r.int(t, "tolerationSeconds"),
            })
            .collect();
        let volumes = r
            .maps(node, "volumes")
            .into_iter()
            .map(|v| Volume {
                name: r.string(v, "name"),
                host_path: r.map(v, "hostPath").map(|h| HostPathVolume {
                    key: h.key_span,
                    path: r.string(&h.value, "path"),
                    kind: r.string(&h.value, "type"),
                }),
                config_map: v
                    .get("configMap")
                    .and_then(|c| c.get("name"))
                    .and_then(Node::as_str)
                    .map(str::to_owned),
                items: projected_items(v),
                empty_dir_medium: r
                    .map(v, "emptyDir")
                    .and_then(|e| r.string(&e.value, "medium")),
            })
            .collect();
        let (run_as_user, run_as_non_root, seccomp_profile) = match r.map(node, "securityContext") {
            Some(e) => (
                r.int(&e.value, "runAsUser"),
                r.boolean(&e.value, "runAsNonRoot"),
                e.value
                    .get("seccompProfile")
                    .and_then(|p| r.string(p, "type")),
            ),
            None => (None, None, None),
        };
        let (required_node_terms, required_node_fields, preferred_node_terms) =
            node_affinity_terms(node, r);
        PodSpec {
            key,
            containers,
            init_containers,
            volumes,
            tolerations_key,
            tolerations,
            node_selector: r.string_map(node, "nodeSelector"),
            required_node_terms,
            required_node_fields,
            preferred_node_terms,
            priority_class_name: r.string(node, "priorityClassName"),
            service_account: r
                .string(node, "serviceAccountName")
                .or_else(|| r.string(node, "serviceAccount")),
            automount_token: r.boolean(node, "automountServiceAccountToken"),
            runtime_class_name: r.string(node, "runtimeClassName"),
            host_network: r.boolean(node, "hostNetwork"),
            host_users: r.boolean(node, "hostUsers"),
            host_pid: r.boolean(node, "hostPID"),
            host_ipc: r.boolean(node, "hostIPC"),
            host_process: host_process(node),
            termination_grace_period_seconds: r.int(node, "terminationGracePeriodSeconds"),
            restart_policy: r.string(node, "restartPolicy"),
            resources: r.map(node, "resources").map(|e| Resources {
                key: e.key_span,
                requests: resource_list(&e.value, "requests", r),
                limits: resource_list(&e.value, "limits", r),
            }),
            run_as_user,
            run_as_non_root,
            seccomp_profile,
        }
    }

    /// Whether a hostPath volume's path is one of `roots` or under one.
    pub fn host_path_under(&self, roots: &[&str]) -> bool {
        self.volumes
            .iter()
            .filter_map(|v| v.host_path.as_ref()?.path.as_ref())
            .any(|p| {
                let p = super::profile::normalize(&p.value);
                roots
                    .iter()
                    .any(|root| p == *root || p.starts_with(&format!("{root}/")))
            })
    }

    /// The volume a mount names (the first of that name; duplicates are DS008's).
    pub fn volume_of(&self, mount: &VolumeMount) -> Option<&Volume> {
        let name = &mount.name.as_ref()?.value;
        self.volumes
            .iter()
            .find(|v| v.name.as_ref().is_some_and(|n| &n.value == name))
    }

    /// Regular containers first, then init containers.
    pub fn all_containers(&self) -> impl Iterator<Item = &Container> {
        self.containers.iter().chain(&self.init_containers)
    }

    pub fn host_network(&self) -> bool {
        self.host_network.as_ref().is_some_and(|h| h.value)
    }

    /// Whether the pod reaches nothing of its node: no host path, no host namespace, nothing
    /// privileged, and no container told its node's IP (through which it would reach the
    /// kubelet or other node endpoints). Such a pod can only serve what is sent to it.
    pub fn reaches_nothing_of_node(&self) -> bool {
        self.volumes.iter().all(|v| v.host_path.is_none())
            && !self.host_network()
            && !self.host_pid.as_ref().is_some_and(|h| h.value)
            && !self.host_ipc.as_ref().is_some_and(|h| h.value)
            && self
                .all_containers()
                .all(|c| !c.privileged() && !c.host_ip_link)
    }
}

/// The `matchExpressions` of required node affinity's `nodeSelectorTerms`, and of each
/// preferred term's `preference`.
type Terms = Vec<Vec<Requirement>>;

/// Required expressions, required fields (both per term), preferred expressions.
fn node_affinity_terms(node: &Node, r: &mut Reader) -> (Terms, Terms, Terms) {
    let Some(affinity) = r.map(node, "affinity") else {
        return (Vec::new(), Vec::new(), Vec::new());
    };
    let Some(node_affinity) = r.map(&affinity.value, "nodeAffinity") else {
        return (Vec::new(), Vec::new(), Vec::new());
    };
    let requirements = |term: &Node, key: &str, r: &mut Reader| -> Vec<Requirement> {
        r.maps(term, key)
            .into_iter()
            .map(|m| Requirement::read(m, r))
            .collect()
    };
    let expressions = |term: &Node, r: &mut Reader| requirements(term, "matchExpressions", r);
    let (mut required, mut fields) = (Vec::new(), Vec::new());
    if let Some(entry) = r.map(
        &node_affinity.value,
        "requiredDuringSchedulingIgnoredDuringExecution",
    ) {
        for term in r.maps(&entry.value, "nodeSelectorTerms") {
            required.push(expressions(term, r));
            fields.push(requirements(term, "matchFields", r));
        }
    }
    let mut preferred = Vec::new();
    for weighted in r.maps(
        &node_affinity.value,
        "preferredDuringSchedulingIgnoredDuringExecution",
    ) {
        if let Some(preference) = r.map(weighted, "preference") {
            preferred.push(expressions(&preference.value, r));
        }
    }
    (required, fields, preferred)
}

/// The `items` of a `configMap` or `secret` volume, read silently: the schema walk judges
/// their shape.
fn projected_items(volume: &Node) -> Option<ProjectedItems> {
    let source = volume.get("configMap").or_else(|| volume.get("secret"))?;
    let Value::Map(entries) = &source.value else {
        return None;
    };
    let entry = entries.iter().find(|e| e.key.as_str() == "items")?;
    let Value::Seq(items) = &entry.value.value else {
        return None;
    };
    Some(ProjectedItems {
        span: entry.key_span,
        paths: items
            .iter()
            .filter_map(|i| i.get("path").and_then(Node::as_str).map(str::to_owned))
            .collect(),
    })
}
