use crate::diagnostic::{Diagnostic, RuleMeta, Severity};
use crate::engine::{Context, Rule};
use crate::model::DaemonSet;
use crate::rules::host_paths;

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

impl Rule for RuntimeSocketMount {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ds: &DaemonSet, cx: &mut Context) {
        let Some(pod) = ds.pod() else { return };
        for m in host_paths::mounts(pod) {
            // As for DS303: the pod reaches the socket through its privileged agent already.
            if cx
                .profile
                .one_shot_beside_privileged_agent(pod, m.container)
            {
                continue;
            }
            let path = host_paths::normalize(&m.path.value);
            let (what, power) = if let Some((_, runtime)) = SOCKETS.iter().find(|(p, _)| *p == path)
            {
                (format!("the {runtime} runtime socket"), START)
            } else if NRI.contains(&path.as_str()) {
                (
                    "the runtime's NRI plugin socket".to_owned(),
                    "can change every container the runtime creates (mounts, devices, hooks \
                     that run on the host)",
                )
            } else if PARENTS.contains(&path.as_str()) {
                (
                    "every runtime socket under it (docker, containerd, CRI-O)".to_owned(),
                    START,
                )
            } else {
                continue;
            };
            cx.report(
                Diagnostic::new(
                    &META,
                    m.path.span,
                    format!(
                        "{} mounts `{}`, which exposes {what}: a process that can connect to it \
                         {power}",
                        m.container.describe(),
                        m.path.value
                    ),
                )
                .label("control of the node's container runtime")
                .help(
                    "read container metadata from the kubelet or the log files instead; if the \
                     agent really needs the runtime API, suppress this with the reason so it is \
                     reviewed",
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::test_support::positions;

    #[test]
    fn sockets_and_their_directories() {
        let y = "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: a}\nspec:\n  selector: {matchLabels: {app: a}}\n  template:\n    metadata: {labels: {app: a}}\n    spec:\n      containers:\n      - name: c\n        image: i:1\n        volumeMounts: [{name: d, mountPath: /d, readOnly: true}, {name: r, mountPath: /r}, {name: l, mountPath: /l}]\n      volumes:\n      - {name: d, hostPath: {path: /var/run/docker.sock}}\n      - {name: r, hostPath: {path: /run/}}\n      - {name: l, hostPath: {path: /var/log}}\n      - {name: unused, hostPath: {path: /run/containerd/containerd.sock}}\n";
        assert_eq!(positions(y, "DS302"), ["14:36", "15:36"]);
    }
}
