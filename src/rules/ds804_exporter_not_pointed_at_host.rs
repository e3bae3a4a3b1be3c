use crate::diagnostic::{Diagnostic, RuleMeta, Severity};
use crate::engine::{Context, Rule};
use crate::model::DaemonSet;
use crate::model::profile::{normalize, words};
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
/// `collector.*` spelling before it), and what it reads from the container's own otherwise.
const HOST_FOLDERS: &[(&str, &str, &[&str], &str)] = &[
    (
        "/proc",
        "--path.procfs",
        &["path.procfs", "collector.procfs"],
        "the container's own `/proc` (its network counters and mounts, not the node's)",
    ),
    (
        "/sys",
        "--path.sysfs",
        &["path.sysfs", "collector.sysfs"],
        "the container's own `/sys` mount",
    ),
    (
        "/",
        "--path.rootfs",
        &["path.rootfs"],
        "the container's mounts (its filesystem metrics describe the container, not the node's disks)",
    ),
];

impl Rule for ExporterNotPointedAtHost {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ds: &DaemonSet, cx: &mut Context) {
        let Some(pod) = ds.pod() else { return };
        let mounts = host_paths::mounts(pod);
        for c in &pod.containers {
            if !c
                .image_name()
                .is_some_and(|n| n == "node-exporter" || n == "node_exporter")
            {
                continue;
            }
            let words = words(c);
            for m in mounts.iter().filter(|m| std::ptr::eq(m.container, c)) {
                let host = normalize(&m.path.value);
                let Some((_, flag, spellings, otherwise)) =
                    HOST_FOLDERS.iter().find(|(h, _, _, _)| *h == host)
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
                cx.report(
                    Diagnostic::new(
                        &META,
                        inside.span,
                        format!(
                            "{} mounts the host's `{host}` at `{}`, but no `{flag}` points \
                             node-exporter there: it reads {otherwise}",
                            c.describe(),
                            inside.value
                        ),
                    )
                    .label("mounted, never read")
                    .help(format!("add `{flag}={}` to its args", inside.value)),
                );
            }
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
        assert_eq!(positions(&exporter(""), "DS804"), ["15:35", "16:35"]);
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
