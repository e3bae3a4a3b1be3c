use crate::diagnostic::{Diagnostic, RuleMeta, Severity};
use crate::engine::{Context, Rule};
use crate::model::DaemonSet;

pub static META: RuleMeta = RuleMeta {
    code: "DS308",
    name: "writable-root-filesystem",
    severity: Severity::Note,
    summary: "A container's root filesystem is writable (readOnlyRootFilesystem is not true)",
    doc: include_str!("../../rules/DS308.md"),
};

pub struct WritableRootFilesystem;

impl Rule for WritableRootFilesystem {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ds: &DaemonSet, cx: &mut Context) {
        let Some(pod) = ds.pod() else { return };
        for c in pod.all_containers() {
            let setting = c
                .security_context
                .as_ref()
                .and_then(|sc| sc.read_only_root_filesystem.as_ref());
            let at = match setting {
                Some(s) if s.value => continue,
                Some(s) => s.whole(),
                None => c.security_at(),
            };
            cx.report(
                Diagnostic::new(
                    &META,
                    at,
                    format!("{} can write to its root filesystem", c.describe()),
                )
                .label("readOnlyRootFilesystem is not true")
                .help(
                    "set `readOnlyRootFilesystem: true` and give the agent an emptyDir for the \
                     paths it writes (buffers, temp files)",
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::test_support::positions;

    #[test]
    fn read_only_root() {
        let y = "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: a}\nspec:\n  selector: {matchLabels: {app: a}}\n  template:\n    metadata: {labels: {app: a}}\n    spec:\n      containers:\n      - {name: a, image: i:1}\n      - {name: b, image: i:1, securityContext: {readOnlyRootFilesystem: false}}\n      - {name: c, image: i:1, securityContext: {readOnlyRootFilesystem: true}}\n";
        assert_eq!(positions(y, "DS308"), ["10:10", "11:49"]);
    }
}
