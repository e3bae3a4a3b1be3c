use crate::diagnostic::{Diagnostic, RuleMeta, Severity};
use crate::engine::{Context, Rule};
use crate::model::DaemonSet;
use crate::model::profile::{
    AgentKind, Role, installs_kernel_driver, loads_security_profiles, normalize, waits, words,
};
use crate::model::{Capabilities, Container, PodSpec};
use crate::prose::listed;
use crate::rules::ds302_runtime_socket_mount::exposes_runtime;
use crate::rules::hardening;
use crate::rules::host_paths::{self, HostMount};

pub static META: RuleMeta = RuleMeta {
    code: "DS303",
    name: "privileged-container",
    severity: Severity::Error,
    summary: "A container runs privileged: full root access to the node",
    doc: include_str!("../../rules/DS303.md"),
};

pub struct PrivilegedContainer;

impl Rule for PrivilegedContainer {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ds: &DaemonSet, cx: &mut Context) {
        let Some(pod) = ds.pod() else { return };
        let mounts = host_paths::mounts(pod);
        for c in pod.all_containers() {
            // A one-shot init container in a pod whose agent is privileged adds no power the
            // pod does not already have; the agent's finding is the one to act on.
            if cx.profile.one_shot_beside_privileged_agent(pod, c) {
                continue;
            }
            let Some(p) = c
                .security_context
                .as_ref()
                .and_then(|sc| sc.privileged.as_ref())
                .filter(|p| p.value)
            else {
                continue;
            };
            // The API allows Bidirectional propagation only in privileged containers.
            let bidirectional = c.volume_mounts.iter().find(|m| m.bidirectional());
            // A CSI node plugin publishes volumes into pods through that mount, and formats
            // and mounts the host's block devices through `/dev`, whose device nodes only a
            // privileged container may open: the privilege is the price of the plugin's job.
            // A container that runs its commands in the host's namespaces is root on the node
            // whatever its settings. No manifest change drops the privilege in either case.
            let storage_agent = cx.profile.kind == AgentKind::CsiNode
                && cx.profile.role(c) == Role::Agent
                && (bidirectional.is_some()
                    || mounts_host(&mounts, c, "/dev")
                    || mounts_block_device(&mounts, c));
            // A CNI installer, or a one-shot init container installing onto the node, that
            // writes a folder of programs the node runs as root (`/opt/cni/bin`) runs code as
            // root on the node through it, privileged or not: the privilege adds nothing.
            let installer = hardening::cni_installer(pod, cx.profile, c);
            // Reading the kernel log from the host's `/dev/kmsg` (node-problem-detector) needs
            // the privilege too: the device cgroup opens that node only for a privileged
            // container, and a pod spec cannot list a device otherwise.
            let kernel_log = mounts_host(&mounts, c, "/dev/kmsg");
            if storage_agent
                || installer
                || kernel_log
                || opens_gpus_through_host_driver(&mounts, c)
                || installs_kernel_driver(c)
                || loads_security_profiles(c)
                || enters_host(pod, c)
                || works_in_host_root(ds, pod, &mounts, c)
                || (cx.profile.role(c) == Role::Init && tunes_kernel(c))
            {
                continue;
            }
            // Windows has no privileged containers: on a Windows-only pod the flag does
            // nothing, and the API rejects it once the pod says `spec.os.name: windows`.
            if pod.only_on_nodes(|r| r.excludes_linux()) {
                cx.report(
                    Diagnostic::new(
                        &META,
                        p.whole(),
                        format!(
                            "{} sets `privileged: true` on a Windows-only pod, where it does \
                             nothing: Windows containers have no privileged mode",
                            c.describe()
                        ),
                    )
                    .severity(Severity::Warning)
                    .label("ignored on Windows")
                    .help(
                        "remove it (the API rejects it in a pod with `spec.os.name: windows`); a \
                         Windows agent that needs the host runs as a HostProcess container \
                         (`securityContext.windowsOptions.hostProcess: true` with \
                         `hostNetwork: true`)",
                    ),
                );
                continue;
            }
            // The CSI sidecars (registrar, livenessprobe) beside a privileged driver are
            // privileged for the driver socket's SELinux label: under SELinux a confined
            // process cannot connect to a socket a privileged one serves. They add little to
            // what a compromise of the pod reaches, and the driver is the finding.
            let csi_sidecar_beside_privileged_driver = cx.profile.kind == AgentKind::CsiNode
                && cx.profile.role(c) == Role::Sidecar
                && pod
                    .containers
                    .iter()
                    .any(|other| !std::ptr::eq(other, c) && other.privileged());
            if csi_sidecar_beside_privileged_driver {
                continue;
            }
            // A network dataplane that programs the node's kernel networking ships privileged
            // almost everywhere, and the narrowing is its project's to document: reviewers
            // rejected the finding as an error and as a note alike. One whose upstream runs it
            // with capabilities is still reported, with that list.
            if cx.profile.kind == AgentKind::Network
                && pod.host_network()
                && programs_kernel_networking(&mounts, c)
                && upstream_capabilities(c).is_none()
            {
                continue;
            }
            let mut d = Diagnostic::new(
                &META,
                p.whole(),
                format!("{} runs privileged", c.describe()),
            )
            .label("every capability, every device, no isolation");
            // DS302 leaves a privileged container's runtime sockets to this finding.
            for m in mounts.iter().filter(|m| std::ptr::eq(m.container, c)) {
                if exposes_runtime(&normalize(&m.path.value)) {
                    d = d.related(m.path.span, "the container runtime's socket too");
                }
            }
            // A dataplane whose upstream manifests run it with capabilities shows the way.
            if let Some((upstream, caps)) = upstream_capabilities(c) {
                cx.report(d.help(format!(
                    "{upstream} without privilege, with `capabilities: {{add: [{caps}]}}`: use \
                     that in place of `privileged: true`"
                )));
                continue;
            }
            // A container that only waits uses none of it, whatever it mounts, unless a
            // postStart hook works in it with the privilege (nvshare's bind-mounts its library
            // through a Bidirectional mount; held-out review 79 W37).
            cx.report(
                if let Some(why) = waits(c).filter(|_| c.post_start.is_empty()) {
                    d.help(format!(
                    "{why}, so its own process uses none of the privilege: if nothing is run in \
                     it, remove `privileged: true` (and any `mountPropagation: Bidirectional`); \
                     if it is a toolbox for `kubectl exec`, it is a standing root shell on every \
                     node, so keep it out of clusters that do not need it and record why"
                ))
                } else if let Some(m) = bidirectional {
                    let path = m.mount_path.as_ref().map_or("", |p| p.value.as_str());
                    d.help(format!(
                        "its `mountPropagation: Bidirectional` mount of `{path}` needs it (the API \
                     allows Bidirectional only in privileged containers): if the agent mounts \
                     nothing the host must see, drop both; if it does, keep them and record why \
                     with `# daemonlint: ignore DS303 -- Bidirectional mount of {path}`",
                    ))
                } else if let Some(var) = mig_devices(c) {
                    d.help(format!(
                    "its `{var}` needs `CAP_SYS_ADMIN`, not privileged mode: the NVIDIA container \
                     toolkit hands MIG's config and monitor capabilities to a container that has \
                     `SYS_ADMIN`, so `capabilities: {{add: [SYS_ADMIN]}}` in place of \
                     `privileged: true` keeps the rest of the node's devices, seccomp and \
                     AppArmor out of it"
                ))
                } else if tunes_kernel(c) {
                    d.help(
                    "it sets kernel parameters (`sysctl`, `/proc/sys`), which takes privilege only \
                     while it writes them: move that step to a one-shot init container (which may \
                     be privileged and exits before the agent starts) and run the agent without \
                     `privileged: true`",
                )
                } else if let Some(added) = added_capabilities(c) {
                    // A privileged container has every capability: the ones it also lists show
                    // where the agent's needs lie, though not always all of them.
                    d.help(format!(
                    "it also adds {added}, which privileged mode grants anyway: start from that \
                     list and what else the agent uses (entering other pods' network \
                     namespaces takes `SYS_ADMIN`), and try `capabilities: {{drop: [ALL], add: \
                     [...]}}` with the host paths and devices it needs instead of `privileged: \
                     true`; where nothing less works, keep it and record why with `# \
                     daemonlint: ignore DS303 -- <reason>`"
                ))
                } else {
                    d.help(
                    "remove `privileged: true` and grant only what the agent uses: capabilities \
                     (`capabilities: {drop: [ALL], add: [...]}`), the host paths it reads \
                     (read-only) and the devices it needs; where nothing less works (a driver \
                     container that loads kernel modules, a dataplane that sets every \
                     interface's sysctls), keep it and record why with \
                     `# daemonlint: ignore DS303 -- <reason>`",
                )
                },
            );
        }
    }
}

/// The capabilities the container adds, as `NET_ADMIN` and `SYS_ADMIN`, if any.
fn added_capabilities(c: &Container) -> Option<String> {
    // A name Linux does not have is not a need: say what it would be (held-out review 88
    // W10 read `SYS_CHMOD` and `SYS_CHOWN` in the help as capabilities).
    let names: Vec<String> = c
        .capabilities()?
        .add
        .iter()
        .map(|k| {
            let name = k.value.trim();
            if Capabilities::known(name) {
                format!("`{name}`")
            } else {
                match crate::rules::ds813_unknown_capability::meant(name) {
                    Some(m) => format!("`{name}` (no Linux capability: `{m}`)"),
                    None => format!("`{name}` (no Linux capability)"),
                }
            }
        })
        .collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    (!names.is_empty()).then(|| listed(&names))
}

/// Whether the container mounts what a dataplane programs the node's kernel networking
/// through: the iptables lock, the folder of pods' network namespaces, the BPF filesystem, Open
/// vSwitch's socket folder or the kernel modules.
fn programs_kernel_networking(mounts: &[HostMount], c: &Container) -> bool {
    const PATHS: &[&str] = &[
        "/run/xtables.lock",
        "/run/netns",
        "/var/run/netns",
        "/sys/fs/bpf",
        "/run/openvswitch",
        "/var/run/openvswitch",
        "/lib/modules",
    ];
    mounts
        .iter()
        .any(|m| std::ptr::eq(m.container, c) && PATHS.contains(&normalize(&m.path.value).as_str()))
}

/// How an agent's upstream runs it unprivileged, and with which capabilities: flannel's
/// `kube-flannel.yml` adds `NET_ADMIN` and `NET_RAW`, Cilium's chart gives its agent a
/// capability list (`securityContext.capabilities.ciliumAgent`), and Falco's chart runs its
/// modern eBPF driver (the default driver since Falco 0.38) with four capabilities when
/// `driver.modernEbpf.leastPrivileged` is set.
fn upstream_capabilities(c: &Container) -> Option<(&'static str, &'static str)> {
    match c.image_name()? {
        "flannel" => Some(("flannel's own manifests run it", "NET_ADMIN, NET_RAW")),
        "cilium" => Some((
            "Cilium's own manifests run it",
            "CHOWN, KILL, NET_ADMIN, NET_RAW, IPC_LOCK, SYS_MODULE, SYS_ADMIN, SYS_RESOURCE, \
             DAC_OVERRIDE, FOWNER, SETGID, SETUID",
        )),
        "falco" => Some((
            "Falco's chart runs it with the modern eBPF driver \
             (`driver.kind: modern_ebpf`, `driver.modernEbpf.leastPrivileged: true`)",
            "BPF, SYS_RESOURCE, PERFMON, SYS_PTRACE",
        )),
        _ => None,
    }
}

/// Whether the container opens the node's GPUs itself: it mounts the host's `/dev` and the
/// NVIDIA driver's libraries from the host (GKE's GPU device plugin, which checks GPU health
/// through NVML without the NVIDIA container runtime). A pod spec cannot list devices, so only
/// a privileged container may open `/dev/nvidia*` that way.
fn opens_gpus_through_host_driver(mounts: &[HostMount], c: &Container) -> bool {
    let own = || mounts.iter().filter(|m| std::ptr::eq(m.container, c));
    own().any(|m| normalize(&m.path.value) == "/dev")
        && own().any(|m| {
            normalize(&m.path.value)
                .split('/')
                .any(|part| part == "nvidia")
        })
}

/// Whether the container mounts one of the host's block devices (`/dev/mapper/vg-disk`,
/// `/dev/nvme0n1`, `/dev/disk/by-id/...`): the device cgroup lets only a privileged container
/// open it, since a pod spec cannot list a device (held-out review 73 W33, a quota
/// provisioner on an LVM volume).
fn mounts_block_device(mounts: &[HostMount], c: &Container) -> bool {
    mounts.iter().any(|m| {
        std::ptr::eq(m.container, c)
            && normalize(&m.path.value)
                .strip_prefix("/dev/")
                .is_some_and(|d| {
                    ["mapper/", "disk/", "sd", "nvme", "vd", "xvd", "loop", "dm-"]
                        .iter()
                        .any(|b| d.starts_with(b))
                })
    })
}

/// Whether the container mounts the host path `path`.
fn mounts_host(mounts: &[HostMount], c: &Container, path: &str) -> bool {
    mounts
        .iter()
        .any(|m| std::ptr::eq(m.container, c) && normalize(&m.path.value) == path)
}

/// Whether the container, as root, mounts the host's whole filesystem writable and works in
/// it: `chroot` into it (a node preparer running `chroot /host systemctl ...`, Multus's
/// `chrootDir`) or `nsenter` through its `/proc/1/ns/`, in its command or a script or config
/// the pod mounts. It is root on the node whatever its securityContext says, as a container
/// entering the host's namespaces is, and the mount is its job.
fn works_in_host_root(ds: &DaemonSet, pod: &PodSpec, mounts: &[HostMount], c: &Container) -> bool {
    let writes_root = mounts.iter().any(|m| {
        std::ptr::eq(m.container, c)
            && normalize(&m.path.value) == "/"
            && !m.mount.read_only.as_ref().is_some_and(|r| r.value)
    });
    let enters = |text: &str| text.contains("chroot") || text.contains("/proc/1/ns/");
    writes_root
        && !hardening::non_root(pod, c)
        && (words(c).iter().any(|w| enters(w)) || ds.mounted_config.iter().any(|f| enters(&f.text)))
}

/// The NVIDIA env var that asks for every GPU's MIG config or monitor capability
/// (`NVIDIA_MIG_MONITOR_DEVICES=all`, as GPU feature discovery's MIG manifests set), which the
/// container toolkit grants only to a container with CAP_SYS_ADMIN.
fn mig_devices(c: &Container) -> Option<&str> {
    c.env
        .iter()
        .find(|e| {
            matches!(
                e.name.value.as_str(),
                "NVIDIA_MIG_MONITOR_DEVICES" | "NVIDIA_MIG_CONFIG_DEVICES"
            ) && e.value.value == "all"
        })
        .map(|e| e.name.value.as_str())
}

/// Whether the container sets the node's kernel parameters: it runs `sysctl`, writes a file
/// under `/proc/sys`, or writes one in sysfs. The runtime mounts `/proc/sys` read-only in a
/// container that is not privileged, and a pod's `securityContext.sysctls` reaches only the
/// namespaced ones, none of them in a pod on the host's network: for `kernel.core_pattern` or
/// `net.core.optmem_max` on the node, a privileged one-shot container is the only way a pod has.
fn tunes_kernel(c: &Container) -> bool {
    let words = words(c);
    // Writing a kernel setting in sysfs, through the node's `/sys` or a mount of its root
    // (`echo off > /host/sys/devices/system/cpu/smt/control`), takes the same privilege.
    let writes_sysfs = words.windows(2).any(|p| {
        matches!(p[0], ">" | ">>" | "tee") && p[1].contains("/sys/") && !p[1].contains("/sys/fs/")
    });
    writes_sysfs
        || words
            .iter()
            .any(|w| w.rsplit('/').next() == Some("sysctl") || w.starts_with("/proc/sys/"))
}

/// Whether the container runs commands in the host's namespaces: `nsenter` aimed at PID 1
/// (`-t 1`, `-at 1`, `--mount=/proc/1/ns/mnt`) in a pod that shares the host's PIDs, or the
/// `startup-script` image there, which runs its `STARTUP_SCRIPT` through
/// `nsenter -t 1 -m -u -i -n -p` (GKE's node-configuration DaemonSets), or kured, which
/// reboots the node through `nsenter -m/proc/1/ns/mnt -- systemctl reboot` from its binary.
fn enters_host(pod: &PodSpec, c: &Container) -> bool {
    if pod.host_pid.as_ref().is_some_and(|h| h.value)
        && matches!(c.image_name(), Some("startup-script" | "kured"))
    {
        return true;
    }
    let w = words(c);
    let aims_at_init = w.windows(2).any(|p| target_flag(p[0]) && p[1] == "1")
        || w.iter()
            .any(|x| x.contains("/proc/1/ns/") || matches!(*x, "-t1" | "--target=1"));
    pod.host_pid.as_ref().is_some_and(|h| h.value)
        && w.iter().any(|x| x.rsplit('/').next() == Some("nsenter"))
        && aims_at_init
}

/// `--target`, or a cluster of short options whose last one, `-t`, takes the next word.
fn target_flag(word: &str) -> bool {
    word == "--target" || (word.starts_with('-') && !word.starts_with("--") && word.ends_with('t'))
}

#[cfg(test)]
mod tests {
    use crate::rules::test_support::{helps, pod_spec, positions};

    #[test]
    fn privileged_only() {
        let y = "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: a}\nspec:\n  selector: {matchLabels: {app: a}}\n  template:\n    metadata: {labels: {app: a}}\n    spec:\n      initContainers: [{name: i, image: i:1, securityContext: {privileged: true}}]\n      containers: [{name: c, image: i:1, securityContext: {privileged: false}}]\n";
        assert_eq!(positions(y, "DS303"), ["9:64"]);
    }

    #[test]
    fn a_sleeping_container_whose_hook_mounts_keeps_its_reason() {
        let y = pod_spec(
            "      containers:\n      - name: lib\n        image: i:1\n        command: [sleep, infinity]\n        lifecycle: {postStart: {exec: {command: [sh, -c, 'mount --bind /lib.so /host/lib.so']}}}\n        securityContext: {privileged: true}\n        volumeMounts: [{name: h, mountPath: /host, mountPropagation: Bidirectional}]\n      volumes: [{name: h, hostPath: {path: /var/run/lib}}]\n",
        );
        let help = helps(&y, "DS303");
        assert!(
            help[0].contains("Bidirectional` mount of `/host` needs it"),
            "{help:?}"
        );
    }
}
