use crate::diagnostic::{Diagnostic, RuleMeta, Severity};
use crate::engine::{Context, Rule};
use crate::model::profile::kubelet_dir;
use crate::model::{DaemonSet, PodSpec, Spanned};
use crate::prose::listed;
use crate::rules::ds302_runtime_socket_mount;
use crate::rules::host_paths::{self, is_socket, runtime};

pub static META: RuleMeta = RuleMeta {
    code: "DS309",
    name: "untyped-socket-host-path",
    severity: Severity::Warning,
    summary: "A socket is mounted from the host without `type: Socket`: where it is missing, \
              the runtime creates a directory in its place",
    doc: include_str!("../../rules/DS309.md"),
};

pub struct UntypedSocketHostPath;

/// Where the runtimes Kubernetes nodes run today listen: whichever one a cluster uses exists
/// on every node its kubelet runs pods on, so a pod that mounts that one alone finds it.
/// (Docker is not one of them since the kubelet dropped dockershim in 1.24.)
const NODE_RUNTIMES: &[&str] = &[
    "/run/containerd/containerd.sock",
    "/var/run/containerd/containerd.sock",
    "/run/k3s/containerd/containerd.sock",
    "/run/crio/crio.sock",
    "/var/run/crio/crio.sock",
];

impl Rule for UntypedSocketHostPath {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ds: &DaemonSet, cx: &mut Context) {
        let Some(pod) = ds.pod() else { return };
        wrongly_typed_sockets(pod, cx);
        // DS302 reports the runtime sockets it judges, and says there what `type: Socket`
        // would change: the socket's decision is made once.
        let runtime_finding = ds302_runtime_socket_mount::reported_paths(ds, cx.profile);
        let mut sockets: Vec<(&Spanned<String>, String)> = Vec::new();
        for m in host_paths::mounts(pod) {
            if runtime_finding.contains(&m.path.span) {
                continue;
            }
            let path = host_paths::normalize(&m.path.value);
            let untyped = m.volume_kind.is_none_or(str::is_empty);
            // The kubelet's own sockets exist wherever it runs the pod.
            let kubelet = path.ends_with("/kubelet.sock")
                && (kubelet_dir(&path, "pod-resources") || kubelet_dir(&path, "device-plugins"));
            if untyped
                && is_socket(&path)
                && !kubelet
                && sockets.iter().all(|(p, _)| p.span != m.path.span)
            {
                sockets.push((m.path, path));
            }
        }
        let (runtimes, others): (Vec<_>, Vec<_>) = sockets
            .iter()
            .partition(|(_, path)| runtime(path).is_some());
        let mut names: Vec<&str> = runtimes.iter().filter_map(|(_, p)| runtime(p)).collect();
        names.sort_unstable_by_key(|n| n.to_lowercase());
        names.dedup();
        if names.len() > 1 {
            // One finding for the design: every node lacks some of these sockets.
            let paths: Vec<String> = runtimes
                .iter()
                .map(|(p, _)| format!("`{}`", p.value))
                .collect();
            let (first, _) = runtimes[0];
            // Docker Engine runs containerd underneath, so only CRI-O excludes the others.
            let crio = names.contains(&"CRI-O");
            let which = if crio {
                "no node runs all of these runtimes"
            } else {
                "most nodes lack some of them (a containerd node has no Docker socket)"
            };
            cx.report(
                Diagnostic::new(
                    &META,
                    first.span,
                    format!(
                        "the sockets of {} ({}) are mounted without `type: Socket`, and \
                         {which}: where one is missing the runtime creates an empty directory \
                         in its place, and a daemon that starts there later cannot create its \
                         socket",
                        listed(&names),
                        paths.join(", ")
                    ),
                )
                .label("no `type`: nothing is checked before mounting")
                .help(
                    "mount each runtime's own folder (`/run/containerd`, `/var/run/crio`) and \
                     look for the socket inside, or keep only the cluster's runtime and set \
                     `type: Socket`",
                ),
            );
        } else {
            for (path, normalized) in &runtimes {
                // The node's runtime socket exists on every node the cluster runs pods on.
                if !NODE_RUNTIMES.contains(&normalized.as_str()) {
                    report(cx, path);
                }
            }
        }
        for (path, _) in others {
            report(cx, path);
        }
    }
}

fn report(cx: &mut Context, path: &Spanned<String>) {
    cx.report(
        Diagnostic::new(
            &META,
            path.span,
            format!(
                "hostPath `{}` is mounted without `type: Socket`: on a node without that \
                 socket, the runtime creates an empty directory in its place, and a daemon that \
                 starts there later cannot create its socket",
                path.value
            ),
        )
        .label("no `type`: nothing is checked before mounting")
        .help(match runtime(&path.value) {
            Some(name @ ("Docker" | "Podman")) => format!(
                "if the agent needs {name}, keep the DaemonSet to the nodes that run it with a \
                 nodeSelector and set `type: Socket`; if it can do without, mount the socket's \
                 folder instead and let the agent look for the socket inside"
            ),
            _ => "set `type: Socket`: the kubelet then waits for the socket and reports the \
                  pod's mount failing instead"
                .to_owned(),
        }),
    );
}

/// A socket path whose `type` asks for something else (`File`, `Directory`, a device): the
/// kubelet checks the type before it starts the pod, a socket passes only `Socket`, so the
/// pod never starts on any node.
fn wrongly_typed_sockets(pod: &PodSpec, cx: &mut Context) {
    for volume in &pod.volumes {
        let Some(host_path) = &volume.host_path else {
            continue;
        };
        let (Some(path), Some(kind)) = (&host_path.path, &host_path.kind) else {
            continue;
        };
        if !matches!(
            kind.value.as_str(),
            "File" | "Directory" | "CharDevice" | "BlockDevice"
        ) || !is_socket(&host_paths::normalize(&path.value))
        {
            continue;
        }
        cx.report(
            Diagnostic::new(
                &META,
                kind.span,
                format!(
                    "hostPath `{}` is a socket, but its `type: {}` asks for something else: the \
                     kubelet's type check fails on every node (FailedMount), so the pod never \
                     starts",
                    path.value, kind.value
                ),
            )
            .severity(Severity::Error)
            .label("a socket is not this type")
            .help("use `type: Socket`"),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::test_support::{helps, positions};

    /// A DaemonSet whose privileged container mounts each of `volumes` (named `a`, `b`, `c`),
    /// so no mount dangles and DS302 leaves the runtime sockets to this rule.
    fn pod(volumes: &str) -> String {
        let mounts: Vec<String> = ["a", "b", "c"]
            .iter()
            .filter(|n| volumes.contains(&format!("{{name: {n},")))
            .map(|n| format!("{{name: {n}, mountPath: /{n}}}"))
            .collect();
        let mounts = mounts.join(", ");
        format!(
            "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {{name: a}}\nspec:\n  selector: {{matchLabels: {{app: a}}}}\n  template:\n    metadata: {{labels: {{app: a}}}}\n    spec:\n      containers:\n      - name: c\n        image: i:1\n        securityContext: {{privileged: true}}\n        volumeMounts: [{mounts}]\n      volumes:\n{volumes}"
        )
    }

    #[test]
    fn docker_other_agents_and_several_runtimes() {
        let docker = "      - {name: a, hostPath: {path: /var/run/docker.sock}}\n      - {name: b, hostPath: {path: /var/run/docker.sock, type: Socket}}\n";
        assert_eq!(positions(&pod(docker), "DS309"), ["15:36"]);
        let agent =
            "      - {name: a, hostPath: {path: /run/spire/sockets/agent.sock, type: ''}}\n";
        assert_eq!(positions(&pod(agent), "DS309"), ["15:36"]);
        let several = "      - {name: a, hostPath: {path: /run/containerd/containerd.sock}}\n      - {name: b, hostPath: {path: /var/run/crio/crio.sock}}\n";
        assert_eq!(
            positions(&pod(several), "DS309"),
            ["15:36"],
            "one finding for the pod"
        );
    }

    #[test]
    fn a_socket_ds302_reports_is_told_there() {
        let docker = "      - {name: a, hostPath: {path: /var/run/docker.sock}}\n";
        let unprivileged = pod(docker).replace("        securityContext: {privileged: true}\n", "");
        assert!(positions(&unprivileged, "DS309").is_empty());
        let ds302 = helps(&unprivileged, "DS302").join("");
        assert!(
            ds302.contains("needs `type: Socket` (`/var/run/docker.sock` has none)"),
            "{ds302}"
        );
    }

    #[test]
    fn the_nodes_own_runtime_and_the_kubelet_are_there() {
        let own = "      - {name: a, hostPath: {path: /run/containerd/containerd.sock}}\n      - {name: b, hostPath: {path: /var/lib/kubelet/pod-resources/kubelet.sock}}\n      - {name: c, hostPath: {path: /run/containerd}}\n";
        assert!(positions(&pod(own), "DS309").is_empty());
    }
}
