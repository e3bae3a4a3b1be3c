use crate::diagnostic::{Diagnostic, RuleMeta, Severity};
use crate::engine::{Context, Rule};
use crate::model::DaemonSet;
use crate::rules::host_paths;

pub static META: RuleMeta = RuleMeta {
    code: "DS401",
    name: "on-delete-update",
    severity: Severity::Note,
    summary: "updateStrategy is OnDelete: nodes keep the old version until their pod is deleted",
    doc: include_str!("../../rules/DS401.md"),
};

pub struct OnDeleteUpdate;

impl Rule for OnDeleteUpdate {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ds: &DaemonSet, cx: &mut Context) {
        let Some(kind) = ds.on_delete() else {
            return;
        };
        // A mount server (a FUSE-backed CSI plugin) propagates the mounts it serves into the
        // kubelet's pod folders; restarting it breaks every volume it serves on the node, so
        // replacing it only when someone drains the node is the considered choice.
        if ds.pod().is_some_and(host_paths::serves_mounts) {
            return;
        }
        // A DaemonSet that only prepares nodes (its containers run a setup once, then sleep,
        // or pre-pull images) does its work when its pod starts: OnDelete keeps a template
        // change from redoing it on every node at once, and new nodes still get it.
        if ds.pod().is_some_and(|pod| cx.profile.setup_only(pod)) {
            return;
        }
        cx.report(
            Diagnostic::new(
                &META,
                kind.span,
                "with `OnDelete`, changing this DaemonSet updates no pod: each node keeps the old \
                 version until someone deletes its pod",
            )
            .label("updates wait for manual pod deletion")
            .help(
                "use `type: RollingUpdate` with a small `maxUnavailable`; keep OnDelete only for \
                 agents that must be restarted by hand, and track which nodes still run the old \
                 version",
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::test_support::positions;

    fn ds(strategy: &str) -> String {
        format!(
            "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {{name: a}}\nspec:\n{strategy}  selector: {{matchLabels: {{app: a}}}}\n  template:\n    metadata: {{labels: {{app: a}}}}\n    spec: {{containers: [{{name: c, image: i:1}}]}}\n"
        )
    }

    #[test]
    fn on_delete_only() {
        assert_eq!(
            positions(&ds("  updateStrategy:\n    type: OnDelete\n"), "DS401"),
            ["6:11"]
        );
        assert!(positions(&ds("  updateStrategy:\n    type: RollingUpdate\n"), "DS401").is_empty());
        assert!(positions(&ds(""), "DS401").is_empty());
    }
}
