//! Shared by the host-path rules (DS301, DS302, DS309, DS311): each container's mounts of hostPath volumes.

use crate::model::profile::{AgentKind, Profile, Role, kubelet_dir};
use crate::model::{Container, PodSpec, Spanned, VolumeMount};

/// A container's mount of a hostPath volume, with the host path.
pub struct HostMount<'a> {
    pub container: &'a Container,
    pub mount: &'a VolumeMount,
    pub path: &'a Spanned<String>,
    /// The hostPath `type`, e.g. `DirectoryOrCreate`.
    pub volume_kind: Option<&'a str>,
}

pub fn mounts(pod: &PodSpec) -> Vec<HostMount<'_>> {
    let mut out = Vec::new();
    for container in pod.all_containers() {
        for mount in &container.volume_mounts {
            let Some(name) = &mount.name else { continue };
            let host = pod
                .volumes
                .iter()
                .filter(|v| v.name.as_ref().is_some_and(|n| n.value == name.value))
                .find_map(|v| v.host_path.as_ref());
            // An empty path is DS004's: the API server rejects the volume.
            if let Some(volume) = host
                && let Some(path) = volume.path.as_ref().filter(|p| !p.value.is_empty())
            {
                out.push(HostMount {
                    container,
                    mount,
                    path,
                    volume_kind: volume.kind.as_ref().map(|k| k.value.as_str()),
                });
            }
        }
    }
    out
}

pub use crate::model::profile::normalize;

impl HostMount<'_> {
    pub fn writable(&self) -> bool {
        !self.mount.read_only.as_ref().is_some_and(|r| r.value)
    }
}

/// Another writable mount of the same container whose host path holds this one's: whatever
/// this mount's own `readOnly`, the container can write its folder through the other (the
/// kubelet binds host paths recursively). `/var/run` is a symlink to `/run` on the host, which
/// a mount of `/var` does not follow there.
pub fn writable_through<'m, 'a>(
    mounts: &'m [HostMount<'a>],
    inner: &HostMount<'a>,
) -> Option<&'m HostMount<'a>> {
    let path = normalize(&inner.path.value);
    mounts.iter().find(|m| {
        if !std::ptr::eq(m.container, inner.container) || !m.writable() {
            return false;
        }
        let outer = normalize(&m.path.value);
        let holds = outer == "/"
            || (path.starts_with(&format!("{outer}/"))
                && !(outer == "/var" && (path == "/var/run" || path.starts_with("/var/run/"))));
        holds && outer != path
    })
}

/// The D-Bus system bus, its socket or the folder that holds it, or systemd's own runtime
/// folder with its private socket: root on either asks systemd to start any command as a unit
/// (a runtime installer restarts containerd through it), and logind to reboot the node.
pub fn system_bus(path: &str) -> bool {
    [
        ("/run/dbus", "system_bus_socket"),
        ("/var/run/dbus", "system_bus_socket"),
        ("/run/systemd", "private"),
        ("/var/run/systemd", "private"),
    ]
    .iter()
    .any(|(dir, socket)| path == *dir || path == format!("{dir}/{socket}"))
}

/// A path whose last segment names a Unix socket.
pub fn is_socket(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or_default();
    name.ends_with(".sock") || name.ends_with(".socket")
}

/// A hostPath volume of the pod whose path is a container runtime's socket. Every volume
/// counts, mounted by a container or not: the kubelet sets them all up.
pub struct RuntimeSocket<'a> {
    pub runtime: &'static str,
    pub path: &'a Spanned<String>,
    /// The `type: Socket` value, when the volume requires the socket.
    pub required: Option<&'a Spanned<String>>,
}

pub fn runtime_sockets(pod: &PodSpec) -> Vec<RuntimeSocket<'_>> {
    pod.volumes
        .iter()
        .filter_map(|v| v.host_path.as_ref())
        .filter_map(|h| {
            let path = h.path.as_ref()?;
            Some(RuntimeSocket {
                runtime: runtime(&normalize(&path.value))?,
                path,
                required: h.kind.as_ref().filter(|k| k.value == "Socket"),
            })
        })
        .collect()
}

/// Whether a node whose container runtime is `node_runtime` (as its status names it:
/// `containerd`, `cri-o`, `docker`) has the socket of `socket_runtime`; `None` when that
/// cannot be told. Docker Engine runs containerd underneath, so its nodes have both.
pub fn node_has_socket(node_runtime: &str, socket_runtime: &str) -> Option<bool> {
    let known = matches!(node_runtime, "containerd" | "cri-o" | "docker");
    match socket_runtime {
        _ if !known => None,
        "Docker" => Some(node_runtime == "docker"),
        "containerd" => Some(matches!(node_runtime, "containerd" | "docker")),
        "CRI-O" => Some(node_runtime == "cri-o"),
        _ => None,
    }
}

/// Which container runtime listens on this socket, if any.
pub fn runtime(path: &str) -> Option<&'static str> {
    match path.rsplit('/').next().unwrap_or_default() {
        "docker.sock" | "dockershim.sock" | "cri-dockerd.sock" => Some("Docker"),
        "podman.sock" => Some("Podman"),
        "containerd.sock" => Some("containerd"),
        "crio.sock" => Some("CRI-O"),
        _ => None,
    }
}

/// Kubelet root folders the containers are told about (`--root-dir=/data/kubelet`,
/// `--kubelet-registration-path=/data/kubelet/plugins/x/csi.sock`, `KUBELET_ROOT_DIR`), for
/// clusters whose kubelet does not live in a folder named `kubelet`.
pub fn kubelet_roots(pod: &PodSpec) -> Vec<String> {
    const FLAGS: [&str; 4] = [
        "--root-dir=",
        "--kubelet-root-dir=",
        "--kubelet-dir=",
        "--kubelet-registration-path=",
    ];
    let mut roots = Vec::new();
    for c in pod.all_containers() {
        let flags = c
            .command
            .iter()
            .chain(&c.args)
            .filter_map(|a| FLAGS.iter().find_map(|f| a.text.strip_prefix(f)));
        let env = c
            .env
            .iter()
            .filter(|e| {
                let k = &e.name.value;
                k.contains("KUBELET") && (k.contains("ROOT") || k.contains("DIR"))
            })
            .map(|e| e.value.value.as_str());
        for value in flags.chain(env) {
            let value = normalize(value);
            let root = value
                .split_once("/plugins/")
                .or_else(|| value.split_once("/plugins_registry"))
                .map_or(value.as_str(), |(root, _)| root);
            if root.len() > 1 {
                roots.push(root.to_owned());
            }
        }
    }
    roots
}

/// The node folders where the pod's CSI registrar tells the kubelet the driver's socket is
/// (`--kubelet-registration-path=/var/lib/kubelet/csi-plugins/x/csi.sock`, or `$(VAR)` naming
/// an env var of the container that holds it): the driver creates its socket there.
pub fn registration_socket_dirs(pod: &PodSpec) -> Vec<String> {
    let mut dirs = Vec::new();
    for c in pod.all_containers() {
        for a in c.command.iter().chain(&c.args) {
            let Some(value) = a.text.strip_prefix("--kubelet-registration-path=") else {
                continue;
            };
            let value = value
                .strip_prefix("$(")
                .and_then(|v| v.strip_suffix(')'))
                .and_then(|var| c.env.iter().find(|e| e.name.value == var))
                .map_or(value, |e| e.value.value.as_str());
            if let Some((dir, _)) = normalize(value).rsplit_once('/')
                && !dir.is_empty()
            {
                dirs.push(dir.to_owned());
            }
        }
    }
    dirs
}

/// Whether a container mounts the kubelet's pod folders with `Bidirectional` propagation: the
/// mounts it makes there are the volumes of the node's pods.
pub fn serves_mounts(pod: &PodSpec) -> bool {
    mounts(pod)
        .iter()
        .any(|m| kubelet_dir(&m.path.value, "pods") && m.mount.bidirectional())
}

/// Whether a host path is a kubelet's root folder: one named `kubelet` (`/var/lib/kubelet`,
/// k0s's `/var/lib/k0s/kubelet`).
pub fn kubelet_root(path: &str) -> bool {
    path.rsplit('/')
        .next()
        .is_some_and(|last| last.ends_with("kubelet"))
}

/// Whether a host path holds the kubelet's pod folders, where a CSI node plugin publishes the
/// volumes: the kubelet's root (a folder named `kubelet`, or one the containers are told
/// about) or its `pods` folder.
pub fn holds_pod_volumes(path: &str, roots: &[String]) -> bool {
    let path = normalize(path);
    kubelet_dir(&path, "pods")
        || kubelet_root(&path)
        || roots
            .iter()
            .any(|r| path == *r || path == format!("{r}/pods"))
}

/// For each driver container of a CSI node plugin, on a pod that may run on Linux, the first
/// mount through which it publishes volumes without `Bidirectional` propagation: the mounts
/// it makes there stay in its own mount namespace. None for a Secrets Store CSI provider,
/// which writes files into the folders rather than mounting onto them.
pub fn unpropagated_publish_mounts<'a>(pod: &'a PodSpec, profile: &Profile) -> Vec<HostMount<'a>> {
    if profile.kind != AgentKind::CsiNode || pod.only_on_nodes(|r| r.excludes_linux()) {
        return Vec::new();
    }
    let all = mounts(pod);
    if all
        .iter()
        .any(|m| normalize(&m.path.value).ends_with("/secrets-store-csi-providers"))
    {
        return Vec::new();
    }
    let roots = kubelet_roots(pod);
    // A driver that mounts through a Bidirectional mount of a folder that holds the pods'
    // folder (the node's root at `/host`, as BeeGFS's does) publishes there, propagated, and
    // mounts the pods' folder itself only to read (held-out review 91 W11).
    let propagated: Vec<(&Container, String)> = all
        .iter()
        .filter(|o| o.mount.bidirectional())
        .map(|o| (o.container, normalize(&o.path.value)))
        .collect();
    let through_ancestor = |m: &HostMount| {
        let path = normalize(&m.path.value);
        propagated.iter().any(|(c, outer)| {
            std::ptr::eq(*c, m.container)
                && (outer == "/" || path.starts_with(&format!("{outer}/")))
        })
    };
    let mut found: Vec<HostMount<'a>> = Vec::new();
    for m in all {
        let first_of_its_container = !found.iter().any(|f| std::ptr::eq(f.container, m.container));
        if first_of_its_container
            && profile.role(m.container) == Role::Agent
            && !m.mount.bidirectional()
            && holds_pod_volumes(&m.path.value, &roots)
            && !through_ancestor(&m)
        {
            found.push(m);
        }
    }
    found
}
