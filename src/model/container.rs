use super::{Quantity, QuantityError, Reader, Spanned, whole_number};
use crate::source::Span;
use crate::yaml::{Entry, Node, Value};

#[derive(Debug)]
pub struct Container {
    pub span: Span,
    pub init: bool,
    /// `Always` on an init container makes it a sidecar that runs beside the app containers.
    pub restart_policy: Option<Spanned<String>>,
    pub name: Option<Spanned<String>>,
    pub image: Option<Spanned<String>>,
    pub image_pull_policy: Option<Spanned<String>>,
    pub ports: Vec<ContainerPort>,
    pub resources: Option<Resources>,
    pub liveness_probe: Option<Probe>,
    pub readiness_probe: Option<Probe>,
    pub startup_probe: Option<Probe>,
    pub security_context: Option<SecurityContext>,
    pub volume_mounts: Vec<VolumeMount>,
    /// `command`, `args` and `env` as far as they are strings: evidence for the agent profile.
    pub command: Vec<Arg>,
    pub args: Vec<Arg>,
    /// The `lifecycle.postStart` exec command: work the container does beside its program
    /// (copying libraries onto the node).
    pub post_start: Vec<Arg>,
    /// `env` entries whose `value` is a string, with spans.
    pub env: Vec<EnvValue>,
    /// The name of every `env` entry, whatever sets its value (`valueFrom` included).
    pub env_names: Vec<String>,
    /// Whether `envFrom` brings in variables whose names the manifest does not show.
    pub env_from: bool,
    /// The downward-API env var that tells the container its node, if any: evidence that a
    /// DaemonSet is a node agent rather than an application spread over the nodes.
    pub node_link: Option<String>,
    /// An env var holds the node's IP (`status.hostIP`): the container reaches endpoints on
    /// its node (the kubelet, a host-network service), not only knows which node it is on.
    pub host_ip_link: bool,
}

#[derive(Debug)]
pub struct ContainerPort {
    pub name: Option<Spanned<String>>,
    pub container_port: Option<Spanned<i64>>,
    pub host_port: Option<Spanned<i64>>,
    /// The whole list item, for findings about a missing field.
    pub span: Span,
    pub protocol: Option<Spanned<String>>,
    pub host_ip: Option<Spanned<String>>,
}

/// A string item of `command` or `args`, with its place in the source.
#[derive(Debug)]
pub struct Arg {
    pub text: String,
    pub span: Span,
}

/// An `env` entry whose `value` is a string.
#[derive(Debug)]
pub struct EnvValue {
    pub name: Spanned<String>,
    pub value: Spanned<String>,
}

/// One `name: quantity` entry of requests or limits, with the text as written.
#[derive(Debug)]
pub struct ResourceQuantity {
    pub resource: String,
    pub text: String,
    pub parsed: Result<Quantity, QuantityError>,
}

#[derive(Debug, Default)]
pub struct ResourceList {
    pub entries: Vec<Spanned<ResourceQuantity>>,
}

impl ResourceList {
    pub fn get(&self, resource: &str) -> Option<&Spanned<ResourceQuantity>> {
        self.entries.iter().find(|e| e.value.resource == resource)
    }
}

#[derive(Debug)]
pub struct Resources {
    pub key: Span,
    pub requests: ResourceList,
    pub limits: ResourceList,
}

impl Resources {
    /// The huge page sizes asked for (`hugepages-2Mi` gives `2mi`), in requests or limits,
    /// which requests default to.
    pub fn huge_page_sizes(&self) -> impl Iterator<Item = String> + '_ {
        self.requests
            .entries
            .iter()
            .chain(&self.limits.entries)
            .filter_map(|e| {
                e.value
                    .resource
                    .strip_prefix("hugepages-")
                    .map(str::to_ascii_lowercase)
            })
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum PortRef {
    Number(i64),
    Name(String),
}

impl PortRef {
    /// An int-or-string port as the API reads it: a string names a container port, anything
    /// else must be a whole number.
    pub fn read(entry: &Entry) -> Option<Spanned<PortRef>> {
        let port = match &entry.value.value {
            Value::Str(s) => PortRef::Name(s.clone()),
            v => PortRef::Number(whole_number(v)?),
        };
        Some(Spanned::new(port, entry))
    }
}

#[derive(Debug)]
pub struct Probe {
    pub key: Span,
    /// The port of an httpGet, tcpSocket or grpc handler.
    pub port: Option<Spanned<PortRef>>,
    pub initial_delay_seconds: Option<Spanned<i64>>,
    /// As written, except that 0 reads as the API's default (`SetDefaults_Probe` replaces
    /// zero values): 10 for the period, 1 for the timeout and success threshold, 3 for the
    /// failure threshold.
    pub period_seconds: Option<Spanned<i64>>,
    pub timeout_seconds: Option<Spanned<i64>>,
    pub success_threshold: Option<Spanned<i64>>,
    pub failure_threshold: Option<Spanned<i64>>,
}

#[derive(Debug)]
pub struct SecurityContext {
    pub key: Span,
    pub privileged: Option<Spanned<bool>>,
    pub allow_privilege_escalation: Option<Spanned<bool>>,
    pub read_only_root_filesystem: Option<Spanned<bool>>,
    pub capabilities: Option<Capabilities>,
    pub run_as_user: Option<Spanned<i64>>,
    pub run_as_non_root: Option<Spanned<bool>>,
    /// `seccompProfile.type`.
    pub seccomp_profile: Option<Spanned<String>>,
    /// `procMount`: `Default`, or `Unmasked` (no masked or read-only paths in `/proc`).
    pub proc_mount: Option<Spanned<String>>,
    /// A key that DS002 reads as a misspelt `allowPrivilegeEscalation`
    /// (`enablePrivilegeEscalation`), with no real one beside it: renaming it is the fix.
    pub allow_privilege_escalation_typo: bool,
}

#[derive(Debug)]
pub struct Capabilities {
    pub key: Span,
    pub add: Vec<Spanned<String>>,
    pub drop: Vec<Spanned<String>>,
}

#[derive(Debug)]
pub struct VolumeMount {
    pub span: Span,
    pub name: Option<Spanned<String>>,
    pub read_only: Option<Spanned<bool>>,
    pub mount_propagation: Option<Spanned<String>>,
    pub mount_path: Option<Spanned<String>>,
    /// `subPath`: the one key (or file) of the volume mounted at `mountPath`.
    pub sub_path: Option<Spanned<String>>,
}

impl VolumeMount {
    /// `mountPropagation: Bidirectional`: mounts the container makes under it reach the host
    /// (and the pods that mount the same host folder).
    pub fn bidirectional(&self) -> bool {
        self.mount_propagation
            .as_ref()
            .is_some_and(|p| p.value == "Bidirectional")
    }
}

impl ContainerPort {
    /// Whether the port is TCP (the default protocol), which an httpGet or tcpSocket probe
    /// can ask.
    pub fn tcp(&self) -> bool {
        self.protocol
            .as_ref()
            .is_none_or(|p| p.value.eq_ignore_ascii_case("TCP"))
    }

    /// Whether the port is named for metrics (`metrics`, `http-metrics`, `prometheus`): it
    /// serves a scraper, and says nothing of the agent's own health or readiness.
    pub fn metrics(&self) -> bool {
        self.name
            .as_ref()
            .is_some_and(|n| n.value.contains("metrics") || n.value.contains("prom"))
    }
}

/// The capabilities of Linux 5.9 and later (`include/uapi/linux/capability.h`), without
/// `CAP_`: the names runc and CRI-O know.
pub const LINUX_CAPABILITIES: &[&str] = &[
    "CHOWN",
    "DAC_OVERRIDE",
    "DAC_READ_SEARCH",
    "FOWNER",
    "FSETID",
    "KILL",
    "SETGID",
    "SETUID",
    "SETPCAP",
    "LINUX_IMMUTABLE",
    "NET_BIND_SERVICE",
    "NET_BROADCAST",
    "NET_ADMIN",
    "NET_RAW",
    "IPC_LOCK",
    "IPC_OWNER",
    "SYS_MODULE",
    "SYS_RAWIO",
    "SYS_CHROOT",
    "SYS_PTRACE",
    "SYS_PACCT",
    "SYS_ADMIN",
    "SYS_BOOT",
    "SYS_NICE",
    "SYS_RESOURCE",
    "SYS_TIME",
    "SYS_TTY_CONFIG",
    "MKNOD",
    "LEASE",
    "AUDIT_WRITE",
    "AUDIT_CONTROL",
    "SETFCAP",
    "MAC_OVERRIDE",
    "MAC_ADMIN",
    "SYSLOG",
    "WAKE_ALARM",
    "BLOCK_SUSPEND",
    "AUDIT_READ",
    "PERFMON",
    "BPF",
    "CHECKPOINT_RESTORE",
];

impl Capabilities {
    /// Whether a name carries the `CAP_` prefix (any case), which containerd adds again: DS811.
    pub fn prefixed(name: &str) -> bool {
        name.trim()
            .get(..4)
            .is_some_and(|p| p.eq_ignore_ascii_case("CAP_"))
    }

    /// Whether a name, read as its author meant it, is a Linux capability or `ALL`.
    pub fn known(name: &str) -> bool {
        let name = Capabilities::normalize(name);
        name == "ALL" || LINUX_CAPABILITIES.contains(&name.as_str())
    }

    /// A capability name as its author meant it: case-insensitive, with or without `CAP_`
    /// (CRI-O reads both; containerd prefixes every name, which DS811 reports).
    pub fn normalize(name: &str) -> String {
        let upper = name.trim().to_ascii_uppercase();
        upper
            .strip_prefix("CAP_")
            .map_or(upper.clone(), str::to_owned)
    }

    pub fn drops_all(&self) -> bool {
        self.drop
            .iter()
            .any(|d| Capabilities::normalize(&d.value) == "ALL")
    }

    pub fn adds(&self, capability: &str) -> bool {
        self.add
            .iter()
            .any(|a| Capabilities::normalize(&a.value) == capability)
    }
}

impl Container {
    pub fn read(node: &Node, init: bool, r: &mut Reader) -> Container {
        let name = r.string(node, "name");
        let image = r.string(node, "image");
        let what = if init { "init container" } else { "container" };
        if name.is_none() && node.get("name").is_none_or(Node::is_null) {
            r.problem(first_line(node), format!("the {what} has no `name`"));
        }
        if image.is_none() && node.get("image").is_none_or(Node::is_null) {
            let at = name.as_ref().map_or(first_line(node), Spanned::whole);
            r.problem(at, format!("the {what} has no `image`"));
        }
        let ports = r
            .maps(node, "ports")
            .into_iter()
            .map(|p| ContainerPort {
                name: r.string(p, "name"),
                container_port: r.int(p, "containerPort"),
                host_port: r.int(p, "hostPort"),
                span: p.span,
                protocol: r.string(p, "protocol"),
                host_ip: r.string(p, "hostIP"),
            })
            .collect();
        let resources = r.map(node, "resources").map(|e| Resources {
            key: e.key_span,
            requests: resource_list(&e.value, "requests", r),
            limits: resource_list(&e.value, "limits", r),
        });
        let security_context = r.map(node, "securityContext").map(|e| {
            let sc = &e.value;
            SecurityContext {
                key: e.key_span,
                privileged: r.boolean(sc, "privileged"),
                allow_privilege_escalation: r.boolean(sc, "allowPrivilegeEscalation"),
                read_only_root_filesystem: r.boolean(sc, "readOnlyRootFilesystem"),
                capabilities: r.map(sc, "capabilities").map(|c| Capabilities {
                    key: c.key_span,
                    add: r.string_list(&c.value, "add"),
                    drop: r.string_list(&c.value, "drop"),
                }),
                run_as_user: r.int(sc, "runAsUser"),
                run_as_non_root: r.boolean(sc, "runAsNonRoot"),
                seccomp_profile: sc.get("seccompProfile").and_then(|p| r.string(p, "type")),
                proc_mount: r.string(sc, "procMount"),
                allow_privilege_escalation_typo: sc.get("allowPrivilegeEscalation").is_none()
                    && matches!(&sc.value, Value::Map(entries) if entries.iter().any(|e| {
                        super::fields::misspells(&e.key, "allowPrivilegeEscalation")
                    })),
            }
        });
        let volume_mounts = r
            .maps(node, "volumeMounts")
            .into_iter()
            .map(|m| VolumeMount {
                span: m.span,
                name: r.string(m, "name"),
                read_only: r.boolean(m, "readOnly"),
                mount_propagation: r.string(m, "mountPropagation"),
                mount_path: r.string(m, "mountPath"),
                sub_path: r.string(m, "subPath"),
            })
            .collect();
        Container {
            span: node.span,
            init,
            restart_policy: r.string(node, "restartPolicy"),
            name,
            image,
            image_pull_policy: r.string(node, "imagePullPolicy"),
            ports,
            resources,
            liveness_probe: probe(node, "livenessProbe", r),
            readiness_probe: probe(node, "readinessProbe", r),
            startup_probe: probe(node, "startupProbe", r),
            security_context,
            volume_mounts,
            command: strings(node, "command"),
            args: strings(node, "args"),
            post_start: node
                .get("lifecycle")
                .and_then(|l| l.get("postStart"))
                .and_then(|p| p.get("exec"))
                .map_or_else(Vec::new, |e| strings(e, "command")),
            env: env(node),
            env_names: env_names(node),
            env_from: matches!(node.get("envFrom").map(|n| &n.value), Some(Value::Seq(s)) if !s.is_empty()),
            node_link: node_link(node),
            host_ip_link: host_ip_link(node),
        }
    }

    /// Whether the container requests and limits no cpu or memory, the resources the QoS
    /// class and the node's capacity count: an extended resource (`sgx.intel.com/epc`) or
    /// `ephemeral-storage` alone leaves it as unreserved as no `resources` at all.
    pub fn declares_no_cpu_or_memory(&self) -> bool {
        self.resources.as_ref().is_none_or(|r| {
            r.requests
                .entries
                .iter()
                .chain(&r.limits.entries)
                .all(|e| !matches!(e.value.resource.as_str(), "cpu" | "memory"))
        })
    }

    /// Where to point for a finding about the container as a whole: its name.
    pub fn at(&self) -> Span {
        self.name.as_ref().map_or(self.span, Spanned::whole)
    }

    /// The container's name for messages.
    pub fn display_name(&self) -> &str {
        self.name.as_ref().map_or("<unnamed>", |n| n.value.as_str())
    }

    /// "container `x`" or "init container `x`".
    pub fn describe(&self) -> String {
        let what = if self.init {
            "init container"
        } else {
            "container"
        };
        format!("{what} `{}`", self.display_name())
    }

    /// The image's repository name without registry, path, tag or digest:
    /// `quay.io/prometheus/node-exporter:v1.8.2` is `node-exporter`.
    pub fn image_name(&self) -> Option<&str> {
        self.image.as_ref().map(|i| image_name(&i.value))
    }

    /// Whether a port serves BGP: 179, or a port named `bgp`.
    pub fn serves_bgp(&self) -> bool {
        self.ports.iter().any(|p| {
            p.container_port.as_ref().is_some_and(|n| n.value == 179)
                || p.name.as_ref().is_some_and(|n| n.value == "bgp")
        })
    }

    pub fn capabilities(&self) -> Option<&Capabilities> {
        self.security_context.as_ref()?.capabilities.as_ref()
    }

    /// Where to point for a missing security setting: the securityContext, or the container.
    pub fn security_at(&self) -> Span {
        self.security_context
            .as_ref()
            .map_or(self.at(), |sc| sc.key)
    }

    pub fn privileged(&self) -> bool {
        self.security_context
            .as_ref()
            .and_then(|sc| sc.privileged.as_ref())
            .is_some_and(|p| p.value)
    }

    /// The extended resources (a device plugin's `vendor.example/device`) the container asks
    /// for: the scheduler only places it on nodes that advertise them. Names with a domain
    /// other than `kubernetes.io` are extended, as `IsExtendedResourceName` decides.
    pub fn extended_resources(&self) -> impl Iterator<Item = &str> {
        self.resources
            .iter()
            .flat_map(|r| r.requests.entries.iter().chain(&r.limits.entries))
            .map(|e| e.value.resource.as_str())
            .filter(|name| extended(name))
    }

    /// The non-zero extended resources the container asks for, limits first: a device is
    /// asked for through its limit alone (request = limit), and a zero quantity asks for
    /// nothing.
    pub fn device_requests(&self) -> impl Iterator<Item = &Spanned<ResourceQuantity>> {
        self.resources
            .iter()
            .flat_map(|r| r.limits.entries.iter().chain(&r.requests.entries))
            .filter(|e| {
                extended(&e.value.resource) && e.value.parsed.as_ref().is_ok_and(|q| !q.is_zero())
            })
    }
}

/// Names with a domain other than `kubernetes.io` are extended resources, as
/// `IsExtendedResourceName` decides.
fn extended(name: &str) -> bool {
    name.contains('/') && !name.contains("kubernetes.io/") && !name.starts_with("requests.")
}

/// The string items of a list, silently: the schema walk judges their types, and the agent
/// profile only looks for evidence in them.
fn strings(node: &Node, key: &str) -> Vec<Arg> {
    match node.get(key).map(|n| &n.value) {
        Some(Value::Seq(items)) => items
            .iter()
            .filter_map(|i| {
                i.as_str().map(|text| Arg {
                    text: text.to_owned(),
                    span: i.span,
                })
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// The names of the `env` entries, silently (see `strings`).
fn env_names(node: &Node) -> Vec<String> {
    let Some(Value::Seq(items)) = node.get("env").map(|n| &n.value) else {
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|i| i.get("name")?.as_str().map(str::to_owned))
        .collect()
}

/// `env` entries with a literal string value, silently (see `strings`).
fn env(node: &Node) -> Vec<EnvValue> {
    let Some(Value::Seq(items)) = node.get("env").map(|n| &n.value) else {
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|i| {
            let name = i.entry("name")?;
            let value = i.entry("value")?;
            Some(EnvValue {
                name: Spanned::new(name.value.as_str()?.to_owned(), name),
                value: Spanned::new(value.value.as_str()?.to_owned(), value),
            })
        })
        .collect()
}

/// Whether an env var holds the node's IP (`status.hostIP`), other than the OpenTelemetry
/// Collector chart's `OTEL_K8S_NODE_IP`, which the chart sets in every agent whatever its
/// config (for the `k8s.node.ip` attribute), so it says nothing of what the collector reaches;
/// its kubelet preset adds `K8S_NODE_IP`, which does.
fn host_ip_link(node: &Node) -> bool {
    let Some(Value::Seq(items)) = node.get("env").map(|n| &n.value) else {
        return false;
    };
    items.iter().any(|i| {
        let field = i
            .get("valueFrom")
            .and_then(|v| v.get("fieldRef"))
            .and_then(|f| f.get("fieldPath"))
            .and_then(Node::as_str);
        matches!(field, Some("status.hostIP" | "status.hostIPs"))
            && i.get("name").and_then(Node::as_str) != Some("OTEL_K8S_NODE_IP")
    })
}

/// An env var the downward API fills with the node's name or IP: the container talks to its
/// own node. (HostProcess containers need no evidence here: the API requires `hostNetwork`.)
fn node_link(node: &Node) -> Option<String> {
    let Some(Value::Seq(items)) = node.get("env").map(|n| &n.value) else {
        return None;
    };
    items.iter().find_map(|i| {
        let field = i
            .get("valueFrom")?
            .get("fieldRef")?
            .get("fieldPath")?
            .as_str()?;
        let name = i.get("name").and_then(Node::as_str).unwrap_or("");
        matches!(field, "spec.nodeName" | "status.hostIP" | "status.hostIPs")
            .then(|| format!("its env `{name}` holds the node's `{field}`"))
    })
}

/// The first entry of a mapping, so findings about a list item point at one line.
fn first_line(node: &Node) -> Span {
    match &node.value {
        Value::Map(entries) if !entries.is_empty() => entries[0].key_span.to(entries[0].value.span),
        _ => node.span,
    }
}

pub(super) fn resource_list(node: &Node, key: &str, r: &mut Reader) -> ResourceList {
    let Some(entry) = r.map(node, key) else {
        return ResourceList::default();
    };
    let Value::Map(entries) = &entry.value.value else {
        return ResourceList::default();
    };
    let entries = entries
        .iter()
        .filter_map(|e| {
            let text = match &e.value.value {
                Value::Str(s) => s.clone(),
                Value::Int(i) => i.to_string(),
                Value::Float(f) if f.is_finite() => f.to_string(),
                // `Quantity.UnmarshalJSON` reads null as zero.
                Value::Null => "0".to_owned(),
                _ => {
                    r.problem(
                        e.value.span,
                        format!(
                            "`{}` must be a quantity like `100m` or `64Mi`, found {}",
                            e.key,
                            e.value.type_name()
                        ),
                    );
                    return None;
                }
            };
            // The API server defaults before it validates, so every rule judges the rounded value.
            let parsed = Quantity::decode(&text).map(Quantity::defaulted);
            Some(Spanned::new(
                ResourceQuantity {
                    resource: e.key.clone(),
                    text,
                    parsed,
                },
                e,
            ))
        })
        .collect();
    ResourceList { entries }
}

fn probe(node: &Node, key: &str, r: &mut Reader) -> Option<Probe> {
    let entry = r.map(node, key)?;
    let p = &entry.value;
    let port = ["httpGet", "tcpSocket", "grpc"]
        .iter()
        .find_map(|handler| PortRef::read(p.get(handler)?.entry("port")?));
    let mut defaulted = |key: &str, default: i64| {
        r.int(p, key).map(|mut v| {
            if v.value == 0 {
                v.value = default;
            }
            v
        })
    };
    Some(Probe {
        key: entry.key_span,
        port,
        period_seconds: defaulted("periodSeconds", 10),
        timeout_seconds: defaulted("timeoutSeconds", 1),
        success_threshold: defaulted("successThreshold", 1),
        failure_threshold: defaulted("failureThreshold", 3),
        initial_delay_seconds: r.int(p, "initialDelaySeconds"),
    })
}

/// An image reference without its tag or digest (a registry port is no tag):
/// `localhost:5000/agent:7` is `localhost:5000/agent`.
pub fn untagged(image: &str) -> &str {
    let name = image.split('@').next().unwrap_or(image);
    match name.rfind(':') {
        Some(i) if !name[i..].contains('/') => &name[..i],
        _ => name,
    }
}

/// An image reference without its registry host, tag or digest: `gcr.io/datadoghq/agent:7` is
/// `datadoghq/agent`.
pub fn image_path(image: &str) -> &str {
    split_registry(untagged(image)).1
}

/// A reference's registry host, if it names one, and the rest: the first component is a host
/// when it holds `.` or `:` or is `localhost` (`splitDockerDomain`; a capitalised first
/// component is one too, which `image_reference` reports).
pub fn split_registry(reference: &str) -> (Option<&str>, &str) {
    match reference.split_once('/') {
        Some((host, rest)) if host.contains(['.', ':']) || host == "localhost" => {
            (Some(host), rest)
        }
        _ => (None, reference),
    }
}

/// The tag of an image reference, if it has one (a registry port is not a tag).
pub fn tag(image: &str) -> Option<&str> {
    let name = image.split('@').next().unwrap_or(image);
    let last = name.rsplit('/').next().unwrap_or(name);
    last.split_once(':').map(|(_, t)| t)
}

/// The repository name of an image reference, without registry, path, tag or digest.
pub fn image_name(image: &str) -> &str {
    let name = image.split('@').next().unwrap_or(image);
    let last = name.rsplit('/').next().unwrap_or(name);
    last.split(':').next().unwrap_or(last)
}

#[cfg(test)]
mod tests {
    use super::{image_name, image_path, untagged};

    #[test]
    fn image_names() {
        let name = image_name("nvcr.io/nvidia/k8s/dcgm-exporter:3.3.5-3.4.0-ubuntu22.04");
        assert_eq!(name, "dcgm-exporter");
        assert_eq!(
            image_name("localhost:5000/dcgm-exporter@sha256:ab"),
            "dcgm-exporter"
        );
        assert_eq!(image_name("dcgm-exporter"), "dcgm-exporter");
    }

    #[test]
    fn image_paths() {
        assert_eq!(image_path("gcr.io/datadoghq/agent:7"), "datadoghq/agent");
        assert_eq!(image_path("localhost:5000/agent:dev"), "agent");
        assert_eq!(
            image_path("fluent/fluent-bit@sha256:ab"),
            "fluent/fluent-bit"
        );
        assert_eq!(
            untagged("registry.example.com:5000/a/b:1.2"),
            "registry.example.com:5000/a/b"
        );
        assert_eq!(untagged("alpine"), "alpine");
    }
}
