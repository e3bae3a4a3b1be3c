use crate::diagnostic::{Diagnostic, RuleMeta, Severity};
use crate::engine::{Context, Rule};
use crate::fix::{Change, Fix, Target, Value};
use crate::model::PodSpec;
use crate::model::taint::Taint;
use crate::model::toleration::DaemonPodTolerations;
use crate::model::{DaemonSet, NodeRequirement, OS};
use crate::settings::{NodePool, Nodes};

pub static META: RuleMeta = RuleMeta {
    code: "DS701",
    name: "missing-os-selector",
    severity: Severity::Note,
    summary: "Nothing restricts the pods to an operating system, so mixed Linux/Windows clusters get broken pods",
    doc: include_str!("../../rules/DS701.md"),
};

pub struct MissingOsSelector;

impl Rule for MissingOsSelector {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ds: &DaemonSet, cx: &mut Context) {
        let Some(pod) = ds.pod() else { return };
        if pod.only_on_nodes(|r| r.constrains_os() || r.only_linux_nodes_carry()) {
            return;
        }
        // With the cluster's nodes at hand, the risk is real only where other systems run.
        let landing = cx
            .settings
            .cluster
            .as_ref()
            .map(|c| c.placing(pod, |p| p.os.as_deref().is_some_and(|os| os != "linux")));
        let declared = &cx.settings.cluster_os;
        let elsewhere = match &landing {
            Some(pools) if pools.is_empty() => return,
            Some(pools) => format!(
                "; of the given nodes, it lands on {} running {}",
                Nodes::of(pools),
                systems(pools)
            ),
            // The `cluster-os` setting says whether other systems run.
            None if !declared.is_empty() => {
                if declared.iter().all(|os| os == "linux") {
                    return;
                }
                String::new()
            }
            // A DaemonSet aimed at a pool of nodes (`type: bench`, a GPU label) is placed on
            // purpose, and its owner knows what the pool runs.
            // Not a role (`node-role.kubernetes.io/worker` marks Windows workers too) nor
            // GKE's image label, which names the system itself.
            None if pod.only_on_nodes(|r| {
                r.selects_pool()
                    && !r.key.starts_with("node-role.kubernetes.io/")
                    && r.key != "cloud.google.com/gke-os-distribution"
            }) =>
            {
                return;
            }
            // k3s has no Windows agents: a pod that mounts k3s's own host folders is written
            // for clusters of Linux nodes only.
            None if pod.host_path_under(&[
                "/etc/rancher/k3s",
                "/var/lib/rancher/k3s",
                "/run/k3s",
            ]) =>
            {
                return;
            }
            // Clouds whose Kubernetes has Linux nodes only (DigitalOcean's DOKS, Linode's LKE,
            // Hetzner Cloud, which offers no Windows images): their own agents run there.
            None if pod.all_containers().any(|c| {
                c.image.as_ref().is_some_and(|i| {
                    let path = crate::model::image_path(&i.value);
                    ["digitalocean/", "hetznercloud/", "linode/"]
                        .iter()
                        .any(|owner| path.starts_with(owner))
                        || i.value.starts_with("registry.digitalocean.com/")
                })
            }) =>
            {
                return;
            }
            // Unknown: mixed clusters keep Linux pods off Windows nodes with a taint, which
            // only a pod that tolerates it defeats.
            None => match windows_taint_tolerated(pod) {
                Some(taint) => format!(
                    "; its tolerations let it onto Windows nodes even where they are tainted \
                     `{taint}` to keep Linux pods off"
                ),
                None => return,
            },
        };
        // With required terms, point at the first term that lets any OS through.
        let open_term = pod.required_node_terms.iter().find(|term| {
            !term
                .iter()
                .filter_map(NodeRequirement::from_expression)
                .any(|r| r.constrains_os())
        });
        let (at, message) = match open_term.and_then(|term| term.first()) {
            Some(first) => (
                first.span,
                format!(
                    "this nodeSelectorTerm does not constrain `{OS}`, and terms are ORed, so the \
                     pods may land on nodes of any operating system{elsewhere}"
                ),
            ),
            None => (
                pod.key,
                format!(
                    "neither nodeSelector nor required node affinity constrains `{OS}`, so the \
                     DaemonSet also creates pods on nodes of other operating systems{elsewhere}"
                ),
            ),
        };
        cx.report(
            Diagnostic::new(&META, at, message)
                .label("no OS constraint")
                .help(format!(
                    "add `nodeSelector: {{{OS}: linux}}` (or a `{OS}` In [linux] expression in \
                     every nodeSelectorTerm)"
                ))
                .fix(open_term.is_none().then(|| fix(pod))),
        );
    }
}

/// `windows`, or `windows and freebsd`: the systems of the pools, in pool order.
/// The taint a mixed cluster's Windows nodes carry that the pod tolerates: GKE puts
/// `node.kubernetes.io/os=windows:NoSchedule` on every Windows node, and `os=windows` is the
/// Kubernetes Windows guide's example.
fn windows_taint_tolerated(pod: &PodSpec) -> Option<Taint> {
    let tolerations = DaemonPodTolerations::of(pod);
    ["node.kubernetes.io/os", "os"]
        .into_iter()
        .map(|key| Taint {
            key: key.to_owned(),
            value: "windows".to_owned(),
            effect: "NoSchedule".to_owned(),
        })
        .find(|taint| tolerations.tolerate(taint))
}

fn systems(pools: &[&NodePool]) -> String {
    let mut names: Vec<&str> = Vec::new();
    for os in pools.iter().filter_map(|p| p.os.as_deref()) {
        if !names.contains(&os) {
            names.push(os);
        }
    }
    names.join(" and ")
}

/// Pods stop being created on nodes of other systems, so this changes where the agent runs.
fn fix(pod: &PodSpec) -> Fix {
    let change = match pod.node_selector.first() {
        Some(first) => Change::Insert {
            into: Target::Node(first.key),
            key: OS.to_owned(),
            value: Value::scalar("linux"),
        },
        None => Change::Insert {
            into: Target::ValueOf(pod.key),
            key: "nodeSelector".to_owned(),
            value: Value::map([(OS, Value::scalar("linux"))]),
        },
    };
    Fix::unsafe_(format!("add the node selector `{OS}: linux`"), vec![change])
}

#[cfg(test)]
mod tests {
    use crate::rules::test_support::positions;

    fn ds(pod: &str) -> String {
        format!(
            "apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: a\nspec:\n  selector:\n    matchLabels: {{app: a}}\n  template:\n    metadata:\n      labels: {{app: a}}\n    spec:\n      tolerations: [{{operator: Exists}}]\n{pod}      containers:\n      - name: c\n        image: i:1\n"
        )
    }

    fn terms(terms: &[&str]) -> String {
        let mut y = "      affinity:\n        nodeAffinity:\n          requiredDuringSchedulingIgnoredDuringExecution:\n            nodeSelectorTerms:\n".to_owned();
        for t in terms {
            y.push_str(&format!(
                "            - matchExpressions:\n              - {t}\n"
            ));
        }
        y
    }

    #[test]
    fn unconstrained() {
        assert_eq!(positions(&ds(""), "DS701"), ["11:5"]);
        // A pool is chosen on purpose; a role label spans every system's nodes.
        let pool = ds("      nodeSelector:\n        pool: logging\n");
        assert!(positions(&pool, "DS701").is_empty());
        let workers = ds("      nodeSelector:\n        node-role.kubernetes.io/worker: ''\n");
        assert_eq!(positions(&workers, "DS701"), ["11:5"]);
        let exists = ds(&terms(&["{key: kubernetes.io/os, operator: Exists}"]));
        assert_eq!(positions(&exists, "DS701"), ["18:17"]);
        // The second term admits every OS.
        let ored = ds(&terms(&[
            "{key: kubernetes.io/os, operator: In, values: [linux]}",
            "{key: pool, operator: In, values: [gpu]}",
        ]));
        assert_eq!(positions(&ored, "DS701"), ["20:17"]);
    }

    #[test]
    fn a_windows_taint_keeps_other_pods_off_and_the_control_plane_is_linux() {
        let untolerating = ds("").replace("      tolerations: [{operator: Exists}]\n", "");
        assert!(positions(&untolerating, "DS701").is_empty());
        let windows_taint = ds("").replace(
            "{operator: Exists}",
            "{key: node.kubernetes.io/os, operator: Equal, value: windows, effect: NoSchedule}",
        );
        assert_eq!(positions(&windows_taint, "DS701"), ["11:5"]);
        let control_plane =
            ds("      nodeSelector:\n        node-role.kubernetes.io/control-plane: ''\n");
        assert!(positions(&control_plane, "DS701").is_empty());
        let cos = ds("      nodeSelector:\n        cloud.google.com/gke-os-distribution: cos\n");
        assert!(positions(&cos, "DS701").is_empty());
        let windows_image = cos.replace(": cos", ": windows_ltsc");
        assert_eq!(positions(&windows_image, "DS701"), ["11:5"]);
    }

    #[test]
    fn constrained() {
        for pod in [
            "      nodeSelector:\n        kubernetes.io/os: linux\n".to_owned(),
            "      nodeSelector:\n        beta.kubernetes.io/os: linux\n".to_owned(),
            terms(&["{key: kubernetes.io/os, operator: NotIn, values: [windows]}"]),
            terms(&[
                "{key: kubernetes.io/os, operator: In, values: [linux]}",
                "{key: kubernetes.io/os, operator: In, values: [windows]}",
            ]),
        ] {
            assert!(positions(&ds(&pod), "DS701").is_empty(), "{pod}");
        }
    }
}
