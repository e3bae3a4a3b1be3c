use crate::diagnostic::{Diagnostic, RuleMeta, Severity};
use crate::engine::{Context, Rule};
use crate::model::DaemonSet;
use crate::model::profile::{normalize, words};
use crate::prose::listed;
use crate::rules::host_paths;

pub static META: RuleMeta = RuleMeta {
    code: "DS804",
    name: "exporter-not-pointed-at-host",
    severity: Severity::Warning,
    summary: "node-exporter mounts the host's /proc, /sys or root but no flag points it there: \
              it reports the container, not the node",
    doc: include_str!("../../rules/DS804.md"),
};

pub struct ExporterNotPointedAtHost;

/// Host folders node-exporter reads, its flag for each (`--path.*` since 0.16, and the
/// `collector.*` spelling before it).
const HOST_FOLDERS: &[(&str, &str, &[&str])] = &[
    (
        "/proc",
        "--path.procfs",
        &["path.procfs", "collector.procfs"],
    ),
    ("/sys", "--path.sysfs", &["path.sysfs", "collector.sysfs"]),
    ("/", "--path.rootfs", &["path.rootfs"]),
];

/// What node-exporter reads of the container's own in place of the host's `folder`, given the
/// host namespaces the pod shares; `None` where the container's view is the node's already.
fn reads_instead(folder: &str, host_network: bool, host_pid: bool) -> Option<&'static str> {
    match folder {
        // The container's procfs lists the host's processes with hostPID, and its network
        // files are the node's with hostNetwork.
        "/proc" => match (host_network, host_pid) {
            (true, true) => None,
            (true, false) => Some("the container's processes and mount table"),
            (false, true) => Some("the container's network counters"),
            (false, false) => Some("the container's network counters, processes and mounts"),
        },
        // sysfs is the kernel's, but `/sys/class/net` shows the container's network devices
        // unless the pod is on the host's network.
        "/sys" => (!host_network).then_some("the container's network devices"),
        _ => Some("the container's filesystems (its disk metrics are not the node's)"),
    }
}

impl Rule for ExporterNotPointedAtHost {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ds: &DaemonSet, cx: &mut Context) {
        let Some(pod) = ds.pod() else { return };
        let mounts = host_paths::mounts(pod);
        let host_network = pod.host_network();
        let host_pid = pod.host_pid.as_ref().is_some_and(|h| h.value);
        for c in &pod.containers {
            if !c
                .image_name()
                .is_some_and(|n| n == "node-exporter" || n == "node_exporter")
            {
                continue;
            }
            let words = words(c);
            // Each mount nobody points at: where it is, its flag, and what is read instead.
            let mut unread = Vec::new();
            for m in mounts.iter().filter(|m| std::ptr::eq(m.container, c)) {
                let host = normalize(&m.path.value);
                let Some((folder, flag, spellings)) =
                    HOST_FOLDERS.iter().find(|(h, _, _)| *h == host)
                else {
                    continue;
                };
                let Some(inside) = m.mount.mount_path.as_ref() else {
                    continue;
                };
                // Mounted where node-exporter looks by default, it needs no flag.
                if normalize(&inside.value) == host {
                    continue;
                }
                if words.iter().any(|w| {
                    spellings
                        .iter()
                        .any(|s| w.trim_start_matches('-').starts_with(s))
                }) {
                    continue;
                }
                let Some(instead) = reads_instead(folder, host_network, host_pid) else {
                    continue;
                };
                unread.push((*folder, inside, *flag, instead));
            }
            let Some(((_, inside, _, _), rest)) = unread.split_first() else {
                continue;
            };
            let list =
                |items: Vec<String>| listed(&items.iter().map(String::as_str).collect::<Vec<_>>());
            let what = list(
                unread
                    .iter()
                    .map(|(f, i, _, _)| format!("`{f}` at `{}`", i.value))
                    .collect(),
            );
            let names = list(unread.iter().map(|(_, _, f, _)| format!("`{f}`")).collect());
            let reads: Vec<&str> = unread.iter().map(|(_, _, _, r)| *r).collect();
            let flags = list(
                unread
                    .iter()
                    .map(|(_, i, f, _)| format!("`{f}={}`", i.value))
                    .collect(),
            );
            let mut d = Diagnostic::new(
                &META,
                inside.span,
                format!(
                    "{} mounts the host's {what}, but no {names} points node-exporter there: it \
                     reads {}",
                    c.describe(),
                    listed(&reads)
                ),
            )
            .label("mounted, never read")
            .help(format!("add {flags} to its args"));
            for (_, i, _, _) in rest {
                d = d.related(i.span, "never read either");
            }
            cx.report(d);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::test_support::positions;

    fn exporter(args: &str) -> String {
        format!(
            "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {{name: a}}\nspec:\n  selector: {{matchLabels: {{app: a}}}}\n  template:\n    metadata: {{labels: {{app: a}}}}\n    spec:\n      hostNetwork: true\n      containers:\n      - name: node-exporter\n        image: quay.io/prometheus/node-exporter:v1.8.2\n        args: [{args}]\n        volumeMounts:\n        - {{name: proc, mountPath: /host/proc, readOnly: true}}\n        - {{name: root, mountPath: /host/root, readOnly: true}}\n      volumes:\n      - {{name: proc, hostPath: {{path: /proc}}}}\n      - {{name: root, hostPath: {{path: /}}}}\n"
        )
    }

    #[test]
    fn mounts_nobody_points_at() {
        // One finding per container, at its first unread mount.
        assert_eq!(positions(&exporter(""), "DS804"), ["15:35"]);
        // With the host's PIDs and network, the container's /proc is the node's already.
        let shared = exporter("").replace(
            "hostNetwork: true\n",
            "hostNetwork: true\n      hostPID: true\n",
        );
        assert_eq!(positions(&shared, "DS804"), ["17:35"]);
        assert_eq!(
            positions(&exporter("--path.rootfs=/host/root"), "DS804"),
            ["15:35"]
        );
    }

    #[test]
    fn pointed_at_by_either_spelling() {
        assert!(
            positions(
                &exporter("--path.procfs=/host/proc, --path.rootfs=/host/root"),
                "DS804"
            )
            .is_empty()
        );
        assert!(
            positions(
                &exporter("-collector.procfs=/host/proc, --path.rootfs=/host/root"),
                "DS804"
            )
            .is_empty()
        );
    }
}
