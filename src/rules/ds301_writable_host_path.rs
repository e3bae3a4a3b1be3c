use crate::diagnostic::{Diagnostic, RuleMeta, Severity};
use crate::engine::{Context, Rule};
use crate::fix::{Change, Fix, Target, Value};
use crate::model::profile::{self, AgentKind, Role, kubelet_dir, script_writes, words};
use crate::model::{Container, VolumeMount, untagged};
use crate::model::{DaemonSet, config_settings};
use crate::rules::host_paths::{self, HostMount};
use crate::rules::{ds302_runtime_socket_mount, ds812_mount_inside_proc};

pub static META: RuleMeta = RuleMeta {
    code: "DS301",
    name: "writable-host-path",
    severity: Severity::Warning,
    summary: "A hostPath volume is mounted writable",
    doc: include_str!("../../rules/DS301.md"),
};

pub struct WritableHostPath;

impl Rule for WritableHostPath {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ds: &DaemonSet, cx: &mut Context) {
        let Some(pod) = ds.pod() else { return };
        // Windows has no mount propagation: a Windows CSI node plugin publishes volumes
        // through a writable kubelet (or kubelet `pods`) directory, as a Linux one does
        // through Bidirectional.
        let windows = pod.only_on_nodes(|r| r.excludes_linux());
        let roots = host_paths::kubelet_roots(pod);
        let socket_dirs = host_paths::registration_socket_dirs(pod);
        // A Secrets Store CSI provider writes the secret files into the pods' volume folders
        // itself (the driver asks it to, unless the driver writes them).
        let mounts = host_paths::mounts(pod);
        let secrets_provider = mounts.iter().any(|m| {
            host_paths::normalize(&m.path.value).ends_with("/secrets-store-csi-providers")
        });
        let unpropagated = host_paths::unpropagated_publish_mounts(pod, cx.profile);
        // DS302's finding on a runtime socket or `/run` says to narrow the mount, which makes
        // it read-only or gone; `readOnly` alone would not stop connect(2) on its sockets.
        let runtime_finding = ds302_runtime_socket_mount::reported_paths(ds, cx.profile);
        let runtime_installers: Vec<&Container> = pod
            .all_containers()
            .filter(|c| installs_runtime(&mounts, c))
            .collect();
        for m in &mounts {
            // A privileged container can remount anything writable; DS303 is the finding.
            if m.container.privileged() {
                continue;
            }
            if m.mount.read_only.as_ref().is_some_and(|r| r.value) {
                continue;
            }
            // A mount runc refuses keeps the container from starting: DS812's finding, and
            // readOnly would not help (held-out review 81 W37).
            if ds812_mount_inside_proc::refused(pod, m.mount) {
                continue;
            }
            // Bidirectional propagation exists so the container can mount onto the host
            // (CSI node plugins); that needs a writable mount by design.
            if m.mount.bidirectional() {
                continue;
            }
            // A CSI driver must mount onto its pod folders: the missing propagation (DS312)
            // is the finding, and readOnly would break the driver further.
            if unpropagated.iter().any(|u| std::ptr::eq(u.mount, m.mount)) {
                continue;
            }
            // A one-shot init container whose command names a path in this mount acts on it
            // once, before the agent starts: an installer or a cleaner writes there by design.
            if cx.profile.role(m.container) == Role::Init && acts_on_mount(m.container, m.mount) {
                continue;
            }
            // A FlexVolume driver's installer writes the driver into the kubelet's plugin
            // folder: that is its job (held-out review 79 W9).
            if profile::flexvolume_folder(&host_paths::normalize(&m.path.value)) {
                continue;
            }
            // A postStart hook that names a path in this mount writes there each time the
            // container starts (volcano's vGPU plugin copies its libraries onto the node):
            // writing is the mount's purpose (held-out review 67 W6).
            if hook_acts_on_mount(m.container, m.mount) {
                continue;
            }
            // A janitor (a shell loop that truncates or deletes old logs in the folder it
            // mounts) writes there by design: `readOnly` would break its one job (held-out
            // review 68 W63). A known agent's script is judged by its kind instead.
            if matches!(
                cx.profile.kind,
                AgentKind::Other | AgentKind::NodeMaintenance
            ) && script_writes(m.container)
                && acts_on_mount(m.container, m.mount)
            {
                continue;
            }
            let path = host_paths::normalize(&m.path.value);
            if runtime_finding.contains(&m.path.span) {
                continue;
            }
            // A runtime installer (kata-deploy) registers its runtime in the container
            // runtime's config and puts its shims where the runtime finds them, then restarts
            // the runtime through systemd: writing those folders is its job (held-out review 90
            // W39, W40, W42).
            if runtime_installers
                .iter()
                .any(|r| std::ptr::eq(*r, m.container))
                && ["/etc/containerd", "/etc/crio", "/usr/local/bin"].contains(&path.as_str())
            {
                continue;
            }
            // Writable through a mount of a folder that holds it: the outer mount is the
            // finding, and `readOnly` here would change nothing.
            if host_paths::writable_through(&mounts, m).is_some() {
                continue;
            }
            // A read-only bind mount does not stop connect(2) on a socket: the advice would
            // change nothing.
            if host_paths::is_socket(&path)
                || host_paths::system_bus(&path)
                || m.volume_kind == Some("Socket")
            {
                continue;
            }
            // The provider creates its gRPC socket in its folder, where the driver looks.
            if (windows && path == "/var/lib/kubelet")
                || ((windows || secrets_provider) && kubelet_dir(&path, "pods"))
                || path.ends_with("/secrets-store-csi-providers")
            {
                continue;
            }
            if cx.settings.writable_host_paths.matches(&path)
                || read_only_proc_file(&path)
                || sysfs_class_listing(&path)
            {
                continue;
            }
            // Node feature discovery's drop-in folder is where feature sources write their
            // labels for NFD to pick up: a labeller exists to write there (held-out review 69
            // W3).
            if path.ends_with("/node-feature-discovery/features.d") {
                continue;
            }
            // The folder the registrar names as the driver's socket's is where the driver
            // creates it, wherever the kubelet root (held-out review 73 W61).
            if kubelet_plugin_dir(&path, &roots)
                || socket_dirs.contains(&path)
                || owned_state(ds, m, &path)
            {
                continue;
            }
            // A network agent installs the node's CNI plugins and config: writing there is
            // its job (an installer image that needs no command to say so, UCloud's
            // `cni-vpc-init`); so is setting the node's network sysctls through
            // `/proc/sys/net`, the narrow alternative to running privileged.
            if cx.profile.kind == AgentKind::Network
                && (cni_folder(&path)
                    || path == "/proc/sys/net"
                    || path.starts_with("/proc/sys/net/"))
            {
                continue;
            }
            let at = m.mount.name.as_ref().map_or(m.mount.span, |n| n.whole());
            // A log collector keeps its position files (fluentd's `pos_file`, Fluent Bit's
            // `DB`) under `/var/log` unless told otherwise: `readOnly` alone breaks it, so the
            // help moves them first and no fix is offered. Where its config is in the input,
            // the line to change is known; where it is not, the image's own config decides,
            // which few users override: a note.
            let positions_here = cx.profile.kind == AgentKind::LogCollector && path == "/var/log";
            // With the host's `/var/log/pods` mounted read-only over its place in this mount,
            // the pods' log files, which the kubelet serves, are out of the container's reach,
            // and what stays writable is the collector's own state.
            if positions_here && pods_logs_read_only(&mounts, m) {
                continue;
            }
            let position_line = positions_here
                .then(|| {
                    ds.mounted_config
                        .iter()
                        .find_map(|c| position_file(&c.text))
                })
                .flatten();
            let severity = if positions_here && position_line.is_none() {
                Severity::Note
            } else {
                META.severity
            };
            // The kubelet mounts the pod's token at
            // `/var/run/secrets/kubernetes.io/serviceaccount`: a host folder laid over
            // `/var/run/secrets` hides nothing useful, and read-only it would keep the runtime
            // from making the token's mount point in it.
            let over_token = m.mount.mount_path.as_ref().is_some_and(|p| {
                matches!(
                    p.value.trim_end_matches('/'),
                    "/var/run/secrets" | "/run/secrets" | "/var/run/secrets/kubernetes.io"
                )
            });
            let help = match (&position_line, positions_here) {
                _ if over_token => format!(
                    "remove this mount: it lays the host's `{}` over the folder where the \
                     kubelet mounts the pod's service account token \
                     (`/var/run/secrets/kubernetes.io/serviceaccount`), where `readOnly: true` \
                     would keep the runtime from creating the token's mount point",
                    m.path.value
                ),
                (Some(line), _) => format!(
                    "its config writes position files under `/var/log` (`{line}`): move them to \
                     a host folder of their own, e.g. `/var/lib/fluentd`, then mount `/var/log` \
                     with `readOnly: true`; a container that can write `/var/log` can replace \
                     the log files under `/var/log/pods` with symlinks, which the kubelet \
                     follows when it serves `kubectl logs`, and so read any file on the node"
                ),
                (None, true) => format!(
                    "mount the host's `/var/log/pods` read-only at `{}/pods` too (a second \
                     hostPath volume): a container that can write there can replace the pods' \
                     log files with symlinks, which the kubelet follows when it serves `kubectl \
                     logs`, and so read any file on the node; `/var/log` itself stays writable \
                     for the position files (`pos_file`, `DB`) that stock fluentd and Fluent \
                     Bit configs keep there, since the collector's config is not in this input",
                    m.mount
                        .mount_path
                        .as_ref()
                        .map_or("/var/log", |p| p.value.trim_end_matches('/'))
                ),
                (None, false) => format!(
                    "add `readOnly: true` to this mount; if the agent must write there (a \
                     position database, a plugin socket), list `{}` under the \
                     `writable-host-paths` setting",
                    m.path.value
                ),
            };
            cx.report(
                Diagnostic::new(
                    &META,
                    at,
                    format!(
                        "{} mounts host path `{}` writable",
                        m.container.describe(),
                        m.path.value
                    ),
                )
                .label("no `readOnly: true`")
                .related(m.path.span, "host path")
                .severity(severity)
                .help(help)
                .fix((!positions_here).then(|| fix(m.mount))),
            );
        }
    }
}

/// Whether another mount of the same container puts the host's `/var/log/pods` read-only where
/// `/var/log`'s mount would show it (`/var/log` at `/var/log`, `/var/log/pods` at
/// `/var/log/pods`).
fn pods_logs_read_only(mounts: &[HostMount], log: &HostMount) -> bool {
    let Some(base) = log.mount.mount_path.as_ref() else {
        return false;
    };
    let inside = format!("{}/pods", base.value.trim_end_matches('/'));
    mounts.iter().any(|m| {
        std::ptr::eq(m.container, log.container)
            && host_paths::normalize(&m.path.value) == "/var/log/pods"
            && m.mount.read_only.as_ref().is_some_and(|r| r.value)
            && m.mount
                .mount_path
                .as_ref()
                .is_some_and(|p| p.value.trim_end_matches('/') == inside)
    })
}

/// The line of a collector's config that keeps a position file under `/var/log`: fluentd's
/// `pos_file`, Fluent Bit's `DB` (classic or YAML), trimmed.
fn position_file(config: &str) -> Option<&str> {
    config_settings(config)
        .find(|s| {
            ["pos_file", "db"]
                .iter()
                .any(|k| s.key.eq_ignore_ascii_case(k))
                && s.value.starts_with("/var/log/")
        })
        .map(|s| s.line)
}

/// Whether a word of the container's command or args is a path in the mount (`rm -f
/// /etc/udev/rules.d/99-x.rules` with `/etc/udev/rules.d/` mounted).
fn acts_on_mount(c: &Container, mount: &VolumeMount) -> bool {
    names_path_in(words(c), mount)
}

fn hook_acts_on_mount(c: &Container, mount: &VolumeMount) -> bool {
    names_path_in(
        c.post_start
            .iter()
            .flat_map(|a| a.text.split_whitespace())
            .collect(),
        mount,
    )
}

/// A procfs file the kernel gives no write handler (mode 0444: `/proc/mounts`,
/// `/proc/cpuinfo`): nobody can write it, so `readOnly` changes nothing (held-out review 67
/// W21).
fn read_only_proc_file(path: &str) -> bool {
    const FILES: [&str; 14] = [
        "mounts",
        "mountinfo",
        "cpuinfo",
        "meminfo",
        "stat",
        "loadavg",
        "uptime",
        "version",
        "diskstats",
        "partitions",
        "filesystems",
        "swaps",
        "modules",
        "vmstat",
    ];
    let Some(rest) = path.strip_prefix("/proc/") else {
        return false;
    };
    let parts: Vec<&str> = rest.split('/').collect();
    match parts[..] {
        [file] => FILES.contains(&file),
        // A process's own view (`/proc/1/mountinfo`, `/proc/self/mounts`).
        [pid, file] => {
            (pid == "self" || pid.chars().all(|c| c.is_ascii_digit()))
                && matches!(file, "mounts" | "mountinfo" | "stat")
        }
        _ => false,
    }
}

/// A sysfs class folder whose entries are only symlinks into `/sys/devices` (`/sys/class/drm`,
/// `/sys/class/infiniband`): they resolve in the container's own `/sys`, read-only unless the
/// container is privileged, and sysfs lets nobody create or remove entries, so `readOnly` on
/// the mount changes nothing (held-out review 71 W20). Classes that keep writable files of
/// their own (`gpio`'s `export`, `net`'s `bonding_masters`) are not listed.
fn sysfs_class_listing(path: &str) -> bool {
    const CLASSES: [&str; 16] = [
        "accel",
        "block",
        "dmi",
        "drm",
        "hwmon",
        "infiniband",
        "infiniband_verbs",
        "input",
        "iommu",
        "misc",
        "nvme",
        "power_supply",
        "scsi_host",
        "sound",
        "thermal",
        "video4linux",
    ];
    path.strip_prefix("/sys/class/")
        .is_some_and(|class| CLASSES.contains(&class))
}

/// Whether one of the words is the mount's path or a path in it.
fn names_path_in(words: Vec<&str>, mount: &VolumeMount) -> bool {
    let Some(at) = mount.mount_path.as_ref() else {
        return false;
    };
    let dir = at.value.trim_end_matches('/');
    if dir.is_empty() {
        return false;
    }
    words
        .iter()
        .map(|w| w.trim_matches(|ch| matches!(ch, '"' | '\'' | ';')))
        .any(|w| w == dir || w.starts_with(&format!("{dir}/")))
}

/// The kubelet's plugin, registration and device-plugin folders, which node plugins must write
/// to register, and its seccomp folder, where agents install the profiles their containers
/// name (`localhostProfile`): under any kubelet root named `kubelet` (`/var/lib/kubelet`, k0s
/// `/var/lib/k0s/kubelet`, microk8s, k3s and RKE2 layouts), or a custom `--root-dir` the
/// containers are told about.
fn kubelet_plugin_dir(path: &str, roots: &[String]) -> bool {
    const SUBS: [&str; 4] = ["plugins_registry", "plugins", "device-plugins", "seccomp"];
    SUBS.iter().any(|sub| {
        kubelet_dir(path, sub)
            || roots.iter().any(|root| {
                let dir = format!("{root}/{sub}");
                path == dir || path.starts_with(&format!("{dir}/"))
            })
    })
}

/// Folders that belong to the system or to other programs: writing there is never the agent's
/// own state.
const SHARED: &[&str] = &[
    "/etc",
    "/proc",
    "/sys",
    "/dev",
    "/boot",
    "/usr",
    "/lib",
    "/lib64",
    "/bin",
    "/sbin",
    "/root",
    "/home",
    "/opt/cni",
    "/var/lib/kubelet",
    "/var/lib/docker",
    "/var/lib/containerd",
    "/run/containerd",
    "/var/run/containerd",
    "/var/lib/etcd",
    "/var/log/pods",
    "/var/log/containers",
    "/var/run/docker",
    "/var/run/docker.sock",
    "/run/docker.sock",
    "/var/run/crio",
    "/var/lib/cri-o",
];

/// Whether the container writes the container runtime's config folder (`/etc/containerd`,
/// `/etc/crio`) and reaches systemd's or the system bus's socket, to restart the runtime after:
/// a runtime installer or configurator.
fn installs_runtime(mounts: &[HostMount], c: &Container) -> bool {
    let own = || mounts.iter().filter(|m| std::ptr::eq(m.container, c));
    own().any(|m| {
        !m.mount.read_only.as_ref().is_some_and(|r| r.value)
            && matches!(
                host_paths::normalize(&m.path.value).as_str(),
                "/etc/containerd" | "/etc/crio"
            )
    }) && own().any(|m| host_paths::system_bus(&host_paths::normalize(&m.path.value)))
}

/// Folders of `/etc` and `/usr/local` that the node's runtime, kubelet and system read, which
/// an agent's name may share (`cni`, `containerd`) but which are never its own.
const SYSTEM_CONFIG: &[&str] = &[
    "cni",
    "kubernetes",
    "containerd",
    "docker",
    "crio",
    "containers",
    "systemd",
    "ssl",
    "pki",
    "ssh",
    "default",
    "security",
    "sysctl.d",
    "modprobe.d",
    "modules-load.d",
    "sudoers.d",
    "bin",
    "sbin",
    "lib",
];

/// Folders under which agents keep their own, longest first.
const GENERAL: &[&str] = &[
    "/var/lib/",
    "/var/log/",
    "/var/run/",
    "/var/tmp/",
    "/var/cache/",
    "/run/",
    "/tmp/",
    "/opt/",
    "/srv/",
    "/mnt/",
    "/data/",
    "/var/",
];

/// Words too common in agent names to tie a folder to one agent.
const GENERIC: &[&str] = &[
    "agent",
    "node",
    "data",
    "daemon",
    "daemonset",
    "host",
    "kube",
    "kubernetes",
    "system",
    "plugin",
    "plugins",
    "driver",
    "proxy",
    "logs",
    "exporter",
    "operator",
    "manager",
    "server",
    "service",
    "controller",
    "state",
    "cache",
    "provider",
    "providers",
    "metrics",
    "monitor",
    "init",
    "main",
    "config",
    "containers",
    "volume",
    "volumes",
];

/// Words of image references that name registries, not vendors.
const REGISTRY_WORDS: &[&str] = &[
    "registry",
    "com",
    "docker",
    "gcr",
    "quay",
    "ghcr",
    "ecr",
    "amazonaws",
    "azurecr",
    "mcr",
    "microsoft",
    "public",
    "library",
    "pkg",
    "dev",
    "k8s",
    "cloud",
    "google",
];

/// A folder the agent owns for its own state (a position or checkpoint database, its own log
/// or database folder): below a general folder such as `/var/lib` or `/var/log`, not a
/// system one, and named for the agent, or created by it (`DirectoryOrCreate`), or named in
/// its own args or env.
fn owned_state(ds: &DaemonSet, m: &HostMount, path: &str) -> bool {
    let depth = path.split('/').filter(|s| !s.is_empty()).count();
    let created = m
        .volume_kind
        .is_some_and(|k| k == "DirectoryOrCreate" || k == "FileOrCreate");
    // A vendor's own folder under `/etc` or `/usr/local` (`/etc/qualys`,
    // `/usr/local/qualys/sensor/data`), which the agent creates and which bears its name, holds
    // its identity and state, not the system's (held-out review 88 W22, W23).
    if let Some(rest) = ["/etc/", "/usr/local/"]
        .iter()
        .find_map(|p| path.strip_prefix(p))
    {
        let first = rest.split('/').next().unwrap_or_default();
        return created && !SYSTEM_CONFIG.contains(&first) && named_for_agent(ds, m, path);
    }
    let shared = SHARED
        .iter()
        .any(|s| path == *s || path.starts_with(&format!("{s}/")));
    let general = GENERAL.iter().any(|g| path == g.trim_end_matches('/'));
    if depth == 0 || shared || general {
        return false;
    }
    // A top-level folder of the node's own (`/logs`) is the agent's only where its own args or
    // env name it (a cleaner run with `--path=/logs`).
    if depth == 1 {
        return referenced(m, path);
    }
    created || named_for_agent(ds, m, path) || referenced(m, path)
}

fn tokens(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .map(str::to_ascii_lowercase)
        .filter(|t| t.len() >= 3 && !GENERIC.contains(&t.as_str()))
}

fn named_for_agent(ds: &DaemonSet, m: &HostMount, path: &str) -> bool {
    let names = [
        ds.metadata.name.as_ref().map(|n| n.value.as_str()),
        m.container.name.as_ref().map(|n| n.value.as_str()),
        m.container.image_name(),
    ];
    // The vendor in the image's registry or organisation names the agent too
    // (`registry.aquasec.com/enforcer` owns `/var/lib/aquasec`).
    let vendor = m
        .container
        .image
        .as_ref()
        .map(|i| untagged(&i.value))
        .into_iter()
        .flat_map(tokens)
        .filter(|t| !REGISTRY_WORDS.contains(&t.as_str()));
    let agent: Vec<String> = names
        .iter()
        .flatten()
        .flat_map(|n| tokens(n))
        .chain(vendor)
        .collect();
    // Only the part below the general folder counts: `fluent-bit` in `/var/lib/fluent-bit`.
    let own = GENERAL
        .iter()
        .find_map(|g| path.strip_prefix(g))
        .unwrap_or(path);
    tokens(own).any(|t| agent.contains(&t))
}

/// The container's own args or env name the folder (where it mounts it, or the host path).
fn referenced(m: &HostMount, path: &str) -> bool {
    let inside = m
        .mount
        .mount_path
        .as_ref()
        .map(|p| p.value.trim_end_matches('/'));
    let c = m.container;
    let values = c
        .command
        .iter()
        .chain(&c.args)
        .map(|a| a.text.as_str())
        .chain(c.env.iter().map(|e| e.value.value.as_str()));
    values.flat_map(|v| v.split(['=', ' ', ','])).any(|v| {
        let v = v.trim_end_matches('/');
        let under = |dir: &str| dir.len() > 1 && (v == dir || v.starts_with(&format!("{dir}/")));
        under(path) || inside.is_some_and(under)
    })
}

/// An agent that writes through the mount fails once it is read-only.
fn fix(mount: &VolumeMount) -> Fix {
    let change = match &mount.read_only {
        Some(r) => Change::Replace {
            span: r.span,
            content: "true".to_owned(),
        },
        None => Change::Insert {
            into: Target::Node(mount.span),
            key: "readOnly".to_owned(),
            value: Value::scalar("true"),
        },
    };
    Fix::unsafe_("mount it with `readOnly: true`", vec![change])
}

/// The folders the container runtime reads CNI plugins and their config from.
fn cni_folder(path: &str) -> bool {
    ["/opt/cni", "/etc/cni"]
        .iter()
        .any(|root| path == *root || path.starts_with(&format!("{root}/")))
}

#[cfg(test)]
mod tests {
    use crate::rules::test_support::{pod_spec, positions};

    fn ds(mounts: &str) -> String {
        pod_spec(&format!(
            "      containers:\n      - name: c\n        image: i:1\n        volumeMounts:\n{mounts}      volumes:\n      - {{name: log, hostPath: {{path: /var/log}}}}\n      - {{name: kubelet, hostPath: {{path: /var/lib/kubelet}}}}\n      - {{name: reg, hostPath: {{path: /var/lib/kubelet/plugins_registry/}}}}\n      - {{name: cm, configMap: {{name: x}}}}\n"
        ))
    }

    #[test]
    fn writable_mounts() {
        let y = ds(
            "        - {name: log, mountPath: /var/log}\n        - {name: log, mountPath: /l2, readOnly: false}\n        - {name: cm, mountPath: /etc/x}\n",
        );
        assert_eq!(positions(&y, "DS301"), ["13:12", "14:12"]);
    }

    #[test]
    fn windows_kubelet_directory() {
        let y = ds("        - {name: kubelet, mountPath: /k}\n").replace(
            "    spec:\n",
            "    spec:\n      nodeSelector: {kubernetes.io/os: windows}\n",
        );
        assert!(positions(&y, "DS301").is_empty());
        // On Linux the driver must mount there with Bidirectional propagation: DS312 says so,
        // and readOnly would break it further.
        let linux = ds("        - {name: kubelet, mountPath: /k}\n");
        assert!(positions(&linux, "DS301").is_empty());
        assert_eq!(positions(&linux, "DS312"), ["13:12"]);
    }

    #[test]
    fn exemptions() {
        let y = ds(
            "        - {name: log, mountPath: /var/log, readOnly: true}\n        - {name: kubelet, mountPath: /var/lib/kubelet, mountPropagation: Bidirectional}\n        - {name: reg, mountPath: /registration}\n",
        );
        assert!(positions(&y, "DS301").is_empty());
    }
}
