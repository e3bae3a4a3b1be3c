use crate::diagnostic::{Diagnostic, RuleMeta, Severity};
use crate::engine::{Context, Rule};
use crate::model::{DaemonSet, PodSpec};
use crate::prose::listed;
use crate::rules::host_paths::{RuntimeSocket, node_has_socket, runtime_sockets};
use crate::settings::{NodePool, Nodes};

pub static META: RuleMeta = RuleMeta {
    code: "DS311",
    name: "required-socket-may-be-missing",
    severity: Severity::Warning,
    summary: "A hostPath volume requires a runtime socket (`type: Socket`) that some nodes do \
              not have: there the pod never starts",
    doc: include_str!("../../rules/DS311.md"),
};

pub struct RequiredSocketMayBeMissing;

impl Rule for RequiredSocketMayBeMissing {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ds: &DaemonSet, cx: &mut Context) {
        let Some(pod) = ds.pod() else { return };
        let sockets = runtime_sockets(pod);
        // With `--nodes`, the nodes' own runtimes decide, where their status names them.
        if let Some(cluster) = cx.settings.cluster.as_deref() {
            let placed = cluster.placing(pod, |_| true);
            if placed.iter().all(|p| p.runtime.is_some()) {
                report_cluster(&sockets, &placed, cx);
                return;
            }
        }
        let mentions = |name: &str| sockets.iter().any(|s| s.runtime == name);
        // A pod that also mounts the other CRI runtime's socket is meant for clusters of both
        // kinds, so a node of the other kind lacks this one.
        let cri_elsewhere = mentions("containerd") && mentions("CRI-O");
        let blocking: Vec<&RuntimeSocket> = sockets
            .iter()
            .filter(|s| s.required.is_some())
            .filter(|s| match s.runtime {
                "Docker" | "Podman" => !kept_to_nodes_with(pod, s.runtime),
                _ => cri_elsewhere,
            })
            .collect();
        let Some(first) = blocking.first() else {
            return;
        };
        let mut names: Vec<&str> = blocking.iter().map(|s| s.runtime).collect();
        names.sort_unstable_by_key(|n| n.to_lowercase());
        names.dedup();
        let paths: Vec<String> = blocking
            .iter()
            .map(|s| format!("`{}`", s.path.value))
            .collect();
        let required = |name: &str| blocking.iter().any(|s| s.runtime == name);
        // Docker Engine runs containerd underneath, so only CRI-O excludes the others.
        let nowhere = required("CRI-O") && (required("containerd") || required("Docker"));
        let at = first.required.map_or(first.path.span, |k| k.span);
        let diagnostic = if nowhere {
            Diagnostic::new(
                &META,
                at,
                format!(
                    "the pod requires the sockets of {} ({}) with `type: Socket`, and no node \
                     runs all of these runtimes: the kubelet never finds them all, so the pod \
                     stays in ContainerCreating on every node",
                    listed(&names),
                    paths.join(", ")
                ),
            )
            .severity(Severity::Error)
            .help(
                "keep only the cluster's runtime socket, or mount each runtime's own folder \
                 (`/run/containerd`, `/var/run/crio`) and let the agent look for the socket \
                 inside",
            )
        } else {
            let why = if required("Docker") || required("Podman") {
                "Kubernetes nodes have run without Docker since the kubelet dropped dockershim \
                 (1.24)"
            } else {
                "the pod mounts both containerd's and CRI-O's sockets, so it is meant for nodes \
                 that run either"
            };
            Diagnostic::new(
                &META,
                at,
                format!(
                    "the pod requires {} with `type: Socket`, and {why}: on a node without it the \
                     kubelet waits for the socket, the pod stays in ContainerCreating and the \
                     agent never runs there",
                    paths.join(" and ")
                ),
            )
            .help(
                "if the agent needs that runtime, keep the DaemonSet to the nodes that run it \
                 with a nodeSelector or node affinity; if it can do without, mount the runtime's \
                 folder instead of its socket and let the agent look for the socket inside",
            )
        };
        cx.report(diagnostic.label("the kubelet waits until this socket exists"));
    }
}

/// The pod's required sockets against the runtimes of the pools it is placed on.
fn report_cluster(sockets: &[RuntimeSocket], placed: &[&NodePool], cx: &mut Context) {
    let lacks = |pool: &NodePool, s: &RuntimeSocket| {
        s.required.is_some()
            && pool
                .runtime
                .as_deref()
                .and_then(|rt| node_has_socket(rt, s.runtime))
                == Some(false)
    };
    let waiting: Vec<&NodePool> = placed
        .iter()
        .copied()
        .filter(|p| sockets.iter().any(|s| lacks(p, s)))
        .collect();
    let missing: Vec<&RuntimeSocket> = sockets
        .iter()
        .filter(|s| waiting.iter().any(|p| lacks(p, s)))
        .collect();
    let Some(first) = missing.first() else { return };
    let paths: Vec<String> = missing
        .iter()
        .map(|s| format!("`{}`", s.path.value))
        .collect();
    let mut runtimes: Vec<&str> = waiting
        .iter()
        .filter_map(|p| p.runtime.as_deref())
        .collect();
    runtimes.sort_unstable();
    runtimes.dedup();
    let everywhere = waiting.len() == placed.len();
    let diagnostic = Diagnostic::new(
        &META,
        first.required.map_or(first.path.span, |k| k.span),
        format!(
            "the pod requires {} with `type: Socket`, and of the given nodes, {} {} {}, \
             without {}: there the kubelet waits for the socket and the pod stays in \
             ContainerCreating{}",
            paths.join(" and "),
            Nodes::of(&waiting),
            if Nodes::of(&waiting).count() == 1 {
                "runs"
            } else {
                "run"
            },
            listed(&runtimes),
            if missing.len() == 1 {
                "that socket"
            } else {
                "those sockets"
            },
            if everywhere {
                ", on every node the DaemonSet places it"
            } else {
                ""
            }
        ),
    )
    .help(
        "keep the DaemonSet to the nodes that run that runtime with a nodeSelector or node \
         affinity, or mount the runtime's folder instead of its socket and let the agent look \
         for the socket inside",
    );
    let diagnostic = if everywhere {
        diagnostic.severity(Severity::Error)
    } else {
        diagnostic
    };
    cx.report(diagnostic.label("the kubelet waits until this socket exists"));
}

/// Whether the pod's node selection names the runtime (`container-runtime: docker`), which
/// says its nodes were chosen for it.
fn kept_to_nodes_with(pod: &PodSpec, runtime: &str) -> bool {
    let runtime = runtime.to_lowercase();
    pod.only_on_nodes(|r| {
        r.is_positive()
            && (r.key.to_lowercase().contains(&runtime)
                || r.values.iter().any(|v| v.to_lowercase().contains(&runtime)))
    })
}

#[cfg(test)]
mod tests {
    use crate::rules::test_support::positions;

    fn pod(selection: &str, volumes: &str) -> String {
        format!(
            "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {{name: a}}\nspec:\n  selector: {{matchLabels: {{app: a}}}}\n  template:\n    metadata: {{labels: {{app: a}}}}\n    spec:\n{selection}      containers:\n      - name: c\n        image: i:1\n      volumes:\n{volumes}"
        )
    }

    #[test]
    fn docker_and_a_second_cri_runtime_are_missing_somewhere() {
        let docker = "      - {name: a, hostPath: {path: /var/run/docker.sock, type: Socket}}\n";
        assert_eq!(positions(&pod("", docker), "DS311"), ["13:64"]);
        let both = "      - {name: a, hostPath: {path: /run/containerd/containerd.sock, type: Socket}}\n      - {name: b, hostPath: {path: /var/run/crio/crio.sock}}\n";
        assert_eq!(positions(&pod("", both), "DS311"), ["13:75"]);
    }

    #[test]
    fn the_nodes_own_runtime_and_docker_nodes_are_fine() {
        let containerd =
            "      - {name: a, hostPath: {path: /run/containerd/containerd.sock, type: Socket}}\n";
        assert!(positions(&pod("", containerd), "DS311").is_empty());
        let untyped = "      - {name: a, hostPath: {path: /var/run/docker.sock}}\n";
        assert!(positions(&pod("", untyped), "DS311").is_empty());
        let docker = "      - {name: a, hostPath: {path: /var/run/docker.sock, type: Socket}}\n";
        let selected = "      nodeSelector: {container-runtime: docker}\n";
        assert!(positions(&pod(selected, docker), "DS311").is_empty());
    }
}
