use crate::diagnostic::{Diagnostic, RuleMeta, Severity};
use crate::engine::{Context, Rule};
use crate::model::profile::Profile;
use crate::model::{Container, DaemonSet, PodSpec, Spanned};
use crate::prose::listed;
use crate::rules::{described, host_paths};
use crate::source::Span;

pub static META: RuleMeta = RuleMeta {
    code: "DS302",
    name: "runtime-socket-mount",
    severity: Severity::Warning,
    summary: "A container runtime socket is mounted: whoever can reach it controls the node",
    doc: include_str!("../../rules/DS302.md"),
};

pub struct RuntimeSocketMount;

/// Runtime sockets, and the runtime's own directories that hold them.
const SOCKETS: &[(&str, &str)] = &[
    ("/var/run/docker.sock", "Docker"),
    ("/run/docker.sock", "Docker"),
    ("/var/run/dockershim.sock", "dockershim"),
    ("/run/containerd/containerd.sock", "containerd"),
    ("/var/run/containerd/containerd.sock", "containerd"),
    ("/run/containerd", "containerd"),
    ("/var/run/containerd", "containerd"),
    ("/run/k3s/containerd/containerd.sock", "k3s containerd"),
    ("/run/k3s/containerd", "k3s containerd"),
    ("/var/run/crio/crio.sock", "CRI-O"),
    ("/run/crio/crio.sock", "CRI-O"),
    ("/var/run/crio", "CRI-O"),
    ("/run/crio", "CRI-O"),
    ("/var/run/cri-dockerd.sock", "cri-dockerd"),
    ("/run/cri-dockerd.sock", "cri-dockerd"),
];

/// The Node Resource Interface socket of containerd and CRI-O: a plugin connected to it
/// adjusts every container the runtime creates (mounts, devices, OCI hooks that run on the
/// host), which is control of the node as much as the runtime socket.
const NRI: &[&str] = &[
    "/var/run/nri/nri.sock",
    "/run/nri/nri.sock",
    "/var/run/nri",
    "/run/nri",
];

const START: &str = "can start privileged containers on the node";

/// Mounting all of /run exposes every socket in it.
const PARENTS: &[&str] = &["/run", "/var/run"];

/// Whether mounting this host path (normalized) gives the runtime's API or its NRI socket.
pub fn exposes_runtime(path: &str) -> bool {
    SOCKETS.iter().any(|(p, _)| *p == path) || NRI.contains(&path) || PARENTS.contains(&path)
}

impl Rule for RuntimeSocketMount {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ds: &DaemonSet, cx: &mut Context) {
        let Some(pod) = ds.pod() else { return };
        let [runtime, nri] = exposures(ds, pod, cx.profile);
        runtime.report(cx, START);
        nri.report(
            cx,
            "can change every container the runtime creates (mounts, devices, hooks that run \
             on the host)",
        );
    }
}

/// The host paths this rule reports: DS309 leaves its point about them (`type: Socket`) to
/// this finding, so the decision about the socket is made once.
pub fn reported_paths(ds: &DaemonSet, profile: &Profile) -> Vec<Span> {
    let Some(pod) = ds.pod() else {
        return Vec::new();
    };
    exposures(ds, pod, profile)
        .iter()
        .flat_map(|e| e.paths.iter().map(|p| p.span))
        .collect()
}

/// The pod's mounts that give it the runtime's API, then those that give it the NRI socket.
fn exposures<'a>(ds: &DaemonSet, pod: &'a PodSpec, profile: &Profile) -> [Exposure<'a>; 2] {
    // One finding per pod and kind of power, however many containers and sockets give it:
    // the decision to record is whether the pod gets the runtime's API.
    let mut runtime = Exposure::new("runtime");
    let mut nri = Exposure::new("NRI plugin");
    // GKE Autopilot admits a partner workload only while it matches the allowlist, mounts
    // included: the user cannot change them, and the vendor chose the narrowest one.
    if ds.autopilot_workload() {
        return [runtime, nri];
    }
    let mounts = host_paths::mounts(pod);
    for m in &mounts {
        // A privileged container is root on the node already, and a one-shot init
        // container beside a privileged agent adds nothing to the pod: the socket gives
        // neither more power. DS303 is the decision to record, and it points at the
        // socket too.
        if m.container.privileged() || profile.one_shot_beside_privileged_agent(pod, m.container) {
            continue;
        }
        // With the host's whole `/` writable the container is root on the node, sockets
        // or not: DS301 reports that mount.
        if host_paths::writable_through(&mounts, m)
            .is_some_and(|outer| host_paths::normalize(&outer.path.value) == "/")
        {
            continue;
        }
        let path = host_paths::normalize(&m.path.value);
        if let Some((_, name)) = SOCKETS.iter().find(|(p, _)| *p == path) {
            runtime.add(m, Some(*name));
        } else if NRI.contains(&path.as_str()) {
            nri.add(m, Some("runtime's"));
        } else if PARENTS.contains(&path.as_str()) {
            runtime.add(m, None);
        }
    }
    [runtime, nri]
}

/// The mounts of one pod that give one kind of power over the runtime.
struct Exposure<'a> {
    /// What the sockets belong to: `runtime`, `NRI plugin`.
    noun: &'static str,
    containers: Vec<&'a Container>,
    /// Each host path once, as written, with the volume's span.
    paths: Vec<&'a Spanned<String>>,
    /// The runtimes whose sockets (or folders) are mounted, by name.
    runtimes: Vec<&'static str>,
    /// All of `/run` or `/var/run` is mounted.
    whole_run: bool,
    /// Sockets mounted without `type: Socket`, with their runtime.
    untyped: Vec<(&'a Spanned<String>, &'static str)>,
}

impl<'a> Exposure<'a> {
    fn new(noun: &'static str) -> Exposure<'a> {
        Exposure {
            noun,
            containers: Vec::new(),
            paths: Vec::new(),
            runtimes: Vec::new(),
            whole_run: false,
            untyped: Vec::new(),
        }
    }

    fn add(&mut self, m: &host_paths::HostMount<'a>, runtime: Option<&'static str>) {
        if !self
            .containers
            .iter()
            .any(|c| std::ptr::eq(*c, m.container))
        {
            self.containers.push(m.container);
        }
        if !self.paths.iter().any(|p| p.span == m.path.span) {
            self.paths.push(m.path);
            if let Some(runtime) = runtime.filter(|_| {
                m.volume_kind.is_none_or(str::is_empty)
                    && host_paths::is_socket(&host_paths::normalize(&m.path.value))
            }) {
                self.untyped.push((m.path, runtime));
            }
        }
        match runtime {
            Some(name) if !self.runtimes.contains(&name) => self.runtimes.push(name),
            Some(_) => {}
            None => self.whole_run = true,
        }
    }

    /// DS309's point, made here once for the socket: an untyped socket that some nodes lack
    /// (Docker's or Podman's since dockershim's removal, or one of several runtimes') makes
    /// the runtime create an empty directory in its place.
    fn missing_somewhere(&self) -> String {
        let several = self.runtimes.len() > 1;
        let missing: Vec<String> = self
            .untyped
            .iter()
            .filter(|(_, runtime)| several || matches!(*runtime, "Docker" | "Podman"))
            .map(|(p, _)| format!("`{}`", p.value))
            .collect();
        if missing.is_empty() {
            return String::new();
        }
        let missing: Vec<&str> = missing.iter().map(String::as_str).collect();
        format!(
            "; a socket that stays needs `type: Socket` ({} has none) and a nodeSelector for the \
             nodes that run its runtime: where it is missing, the runtime creates an empty \
             directory in its place, and a daemon that starts there later cannot create its \
             socket",
            listed(&missing)
        )
    }

    fn report(&self, cx: &mut Context, power: &str) {
        let Some(first) = self.paths.first() else {
            return;
        };
        let who = described(&self.containers);
        let paths: Vec<String> = self
            .paths
            .iter()
            .map(|p| format!("`{}`", p.value))
            .collect();
        let paths: Vec<&str> = paths.iter().map(String::as_str).collect();
        let mut what = Vec::new();
        if !self.runtimes.is_empty() {
            let sockets = if self.runtimes.len() == 1 {
                "socket"
            } else {
                "sockets"
            };
            what.push(format!(
                "the {} {} {sockets}",
                listed(&self.runtimes),
                self.noun
            ));
        }
        // Beside the runtimes', `/run` holds systemd's private socket and the D-Bus system
        // bus, through which root starts units on the host.
        let power = if self.whole_run {
            what.push(
                "every socket under it: the runtimes' (docker, containerd, CRI-O), systemd's \
                 (`/run/systemd/private`) and D-Bus's"
                    .to_owned(),
            );
            format!("{power}, or start any command as a systemd unit")
        } else {
            power.to_owned()
        };
        let what: Vec<&str> = what.iter().map(String::as_str).collect();
        let one = |single: &'static str, many: &'static str| {
            if self.paths.len() == 1 { single } else { many }
        };
        let mut diagnostic = Diagnostic::new(
            &META,
            first.span,
            format!(
                "{} {} {}, which {} {}: a process that can connect to {} {power}",
                who,
                if self.containers.len() == 1 {
                    "mounts"
                } else {
                    "mount"
                },
                listed(&paths),
                one("exposes", "expose"),
                listed(&what),
                one("it", "them"),
            ),
        )
        .label("control of the node's container runtime")
        .help(if self.whole_run {
            "mount only the one runtime socket the agent uses (e.g. \
             `/run/containerd/containerd.sock`, with `type: Socket`), not the whole folder, \
             which hands it every other socket there too; if it needs no runtime API, read \
             container metadata from the kubelet or the log files instead"
                .to_owned()
        } else {
            format!(
                "read container metadata from the kubelet or the log files instead; if the \
                 agent really needs the runtime API, suppress this with the reason so it is \
                 reviewed{}",
                self.missing_somewhere()
            )
        });
        for other in &self.paths[1..] {
            diagnostic = diagnostic.related(other.span, "also exposes the runtime");
        }
        cx.report(diagnostic);
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::test_support::positions;

    #[test]
    fn sockets_and_their_directories() {
        let y = "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: a}\nspec:\n  selector: {matchLabels: {app: a}}\n  template:\n    metadata: {labels: {app: a}}\n    spec:\n      containers:\n      - name: c\n        image: i:1\n        volumeMounts: [{name: d, mountPath: /d, readOnly: true}, {name: r, mountPath: /r}, {name: l, mountPath: /l}]\n      volumes:\n      - {name: d, hostPath: {path: /var/run/docker.sock}}\n      - {name: r, hostPath: {path: /run/}}\n      - {name: l, hostPath: {path: /var/log}}\n      - {name: unused, hostPath: {path: /run/containerd/containerd.sock}}\n";
        assert_eq!(positions(y, "DS302"), ["14:36"], "one finding for the pod");
    }
}
