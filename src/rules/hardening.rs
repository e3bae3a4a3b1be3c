//! Shared by the hardening rules (DS304, DS306, DS308): which containers are judged.

use crate::model::profile::{AgentKind, Profile, Role, waits};
use crate::model::{Capabilities, Container, PodSpec, Spanned};
use crate::rules::ds302_runtime_socket_mount::exposes_runtime;
use crate::rules::host_paths::{self, normalize};
use crate::settings::Settings;

/// Hardening limits what a compromised process can do, so it is asked of the containers that
/// keep running, on Linux. Not judged:
/// - an application spread over the nodes (the `workload` profile): it is not a node agent, and
///   its hardening is a general-purpose linter's business, outside the node-agent checklist;
/// - a DaemonSet that runs only on Windows: the API rejects these fields for Windows pods
///   (validateWindows), and Windows has no Linux capabilities, setuid or read-only root;
/// - privileged or CAP_SYS_ADMIN containers, already root on the node (DS303, DS305 report
///   them, and the API rejects `allowPrivilegeEscalation: false` for them);
/// - containers that mount a container runtime's socket, or its NRI socket: whoever runs in
///   them can start a privileged container through it, so their own settings do not bound
///   what a compromise reaches (DS302 reports the mount); and containers that write a host
///   folder whose programs the node runs as root (the CNI plugin folders), or talk to the
///   D-Bus system bus as root (systemd starts any command for them), for the same reason;
/// - containers that only wait (`pause`, `sleep`): they run nothing and take no input;
/// - one-shot init containers: they run a fixed command before the agent starts;
/// - known sidecars (node-driver-registrar, livenessprobe, config reloaders, kube-rbac-proxy,
///   falcoctl): small upstream images with one fixed job whose hardening is upstream's, and
///   beside a privileged agent they reach node-level power through the socket or volume they
///   share with it whatever their own settings.
pub fn judged<'a>(pod: &'a PodSpec, profile: &'a Profile) -> impl Iterator<Item = &'a Container> {
    let not_judged =
        pod.only_on_nodes(|r| r.excludes_linux()) || profile.kind == AgentKind::Workload;
    let controls_runtime: Vec<&Container> = host_paths::mounts(pod)
        .into_iter()
        .filter(|m| {
            let path = normalize(&m.path.value);
            exposes_runtime(&path)
                || (node_runs_as_root(&path)
                    && !m.mount.read_only.as_ref().is_some_and(|r| r.value))
                || (host_paths::system_bus(&path) && !non_root(pod, m.container))
        })
        .map(|m| m.container)
        .collect();
    pod.all_containers().filter(move |c| {
        let exempt = not_judged
            || root_on_node(c)
            || controls_runtime.iter().any(|r| std::ptr::eq(*r, *c))
            || profile.role(c) == Role::Sidecar
            || waits(c).is_some()
            // A helper that runs only its image's own command (one holding the pod for an
            // init container's image) runs nothing of its own to harden.
            || (profile.role(c) == Role::Helper && c.command.is_empty() && c.args.is_empty());
        !exempt && profile.long_running(c)
    })
}

/// The capability lists the runtime reads, with their containers: a privileged container gets
/// every capability, and its lists are not read.
pub fn read_capability_lists(pod: &PodSpec) -> impl Iterator<Item = (&Container, &Capabilities)> {
    pod.all_containers()
        .filter(|c| !c.privileged())
        .filter_map(|c| Some((c, c.capabilities()?)))
}

/// Whether the container installs onto the node through a folder of programs the node runs
/// as root: a network agent's container (a CNI installer) or a one-shot init container that
/// writes it. It runs code as root on the node that way, whatever its privilege or
/// capabilities (DS303, DS305).
pub fn cni_installer(pod: &PodSpec, profile: &Profile, c: &Container) -> bool {
    (profile.kind == AgentKind::Network || profile.role(c) == Role::Init)
        && writes_node_programs(pod, c)
}

/// Whether the container writes a host folder whose programs the node runs as root (a CNI
/// plugin folder): it runs code as root on the node through it, privileged or not.
fn writes_node_programs(pod: &PodSpec, c: &Container) -> bool {
    host_paths::mounts(pod).iter().any(|m| {
        std::ptr::eq(m.container, c)
            && !m.mount.read_only.as_ref().is_some_and(|r| r.value)
            && node_runs_as_root(&normalize(&m.path.value))
    })
}

/// A host folder (or one below it) whose programs the node runs as root: the CNI plugin
/// folders, which the runtime executes for every pod, and GKE's `/home/kubernetes/bin`, whose
/// `nvidia/lib64` every GPU container loads. A container that writes there already runs code
/// as root on the node.
fn node_runs_as_root(path: &str) -> bool {
    ["/opt/cni", "/usr/libexec/cni", "/home/kubernetes/bin"]
        .iter()
        .any(|root| {
            path.strip_prefix(root)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
        })
}

/// Whether the container is root on its node whatever else it sets: privileged, or given
/// SYS_ADMIN (mount, namespaces, most of what privileged allows).
pub fn root_on_node(c: &Container) -> bool {
    c.privileged() || c.capabilities().is_some_and(|k| k.adds("SYS_ADMIN"))
}

/// The `dangerous-capabilities` setting's names as runtimes read them (upper case, no
/// `CAP_`), to compare with a container's normalized `add` list.
pub fn dangerous_capabilities(settings: &Settings) -> Vec<String> {
    settings
        .dangerous_capabilities
        .iter()
        .map(|c| Capabilities::normalize(c))
        .collect()
}

/// Whether the container reaches its node: it mounts a host path, the pod shares a host
/// namespace, or it adds a capability. One that does not acts only in its own namespaces, so
/// hardening it narrows a kernel exploit's reach rather than bounding what it can do to the
/// node (DS304 and DS306 say so as notes).
pub fn reaches_node(pod: &PodSpec, c: &Container) -> bool {
    c.capabilities().is_some_and(|k| !k.add.is_empty())
        || pod.host_network()
        || pod.host_pid.as_ref().is_some_and(|h| h.value)
        || pod.host_ipc.as_ref().is_some_and(|h| h.value)
        || host_paths::mounts(pod)
            .iter()
            .any(|m| std::ptr::eq(m.container, c))
}

/// Whether the container runs as a user other than root: its own `runAsUser`, the pod's, or
/// `runAsNonRoot: true` without a root `runAsUser`.
pub fn non_root(pod: &PodSpec, c: &Container) -> bool {
    let non_root = c
        .security_context
        .as_ref()
        .and_then(|s| s.run_as_non_root.as_ref())
        .or(pod.run_as_non_root.as_ref())
        .is_some_and(|n| n.value);
    match user(pod, c) {
        Some(uid) => uid != 0,
        None => non_root,
    }
}

/// Whether the container runs an image that starts as a non-root user from an empty base, with
/// no setuid or file-capability binaries, and the manifest does not make it root: the
/// OpenTelemetry Collector's distributions (`USER 10001`, `FROM scratch`) and Splunk's. Such a process never
/// holds a capability, and `no_new_privs` has nothing to stop, whatever the manifest says of
/// either.
pub fn bare_non_root_image(pod: &PodSpec, c: &Container) -> bool {
    let Some(image) = c.image.as_ref().map(|i| i.value.as_str()) else {
        return false;
    };
    let collector = c
        .image_name()
        .is_some_and(|n| n.starts_with("opentelemetry-collector"))
        && (image.starts_with("otel/")
            || image.starts_with("docker.io/otel/")
            || image.contains("/open-telemetry/"));
    // Splunk's distribution of the collector is built the same way (`USER 999`, `FROM scratch`).
    let splunk = image.starts_with("quay.io/signalfx/splunk-otel-collector");
    (collector || splunk) && user(pod, c) != Some(0)
}

/// The user the container runs as when the manifest says: its own `runAsUser`, else the
/// pod's.
pub fn user(pod: &PodSpec, c: &Container) -> Option<i64> {
    run_as_user(pod, c).map(|u| u.value)
}

/// The `runAsUser` that sets the container's user, with where it is written.
pub fn run_as_user<'a>(pod: &'a PodSpec, c: &'a Container) -> Option<&'a Spanned<i64>> {
    c.security_context
        .as_ref()
        .and_then(|s| s.run_as_user.as_ref())
        .or(pod.run_as_user.as_ref())
}
