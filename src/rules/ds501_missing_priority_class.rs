use crate::diagnostic::{Diagnostic, RuleMeta, Severity};
use crate::engine::{Context, Rule};
use crate::model::DaemonSet;

pub static META: RuleMeta = RuleMeta {
    code: "DS501",
    name: "missing-priority-class",
    severity: Severity::Warning,
    summary: "No priorityClassName (or one outside the allowed list): the agent is evicted like any pod",
    doc: include_str!("../../rules/DS501.md"),
};

pub struct MissingPriorityClass;

impl Rule for MissingPriorityClass {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ds: &DaemonSet, cx: &mut Context) {
        let Some(pod) = ds.pod() else { return };
        let allowed = &cx.settings.priority_classes;
        match &pod.priority_class_name {
            None => cx.report(
                Diagnostic::new(&META, pod.key, "the pod template sets no priorityClassName")
                    .label("priority 0, like ordinary workloads")
                    .help(
                        "set `priorityClassName: system-node-critical` for agents the node \
                         needs, or a class of your own above your workloads' classes",
                    ),
            ),
            Some(class) if !allowed.is_empty() && !allowed.contains(&class.value) => cx.report(
                Diagnostic::new(
                    &META,
                    class.span,
                    format!(
                        "priority class `{}` is not one of the allowed classes",
                        class.value
                    ),
                )
                .label("not in priority-classes")
                .help(format!("use one of: {}", allowed.join(", "))),
            ),
            Some(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::test_support::positions;

    #[test]
    fn priority() {
        let y = "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: a}\nspec:\n  selector: {matchLabels: {app: a}}\n  template:\n    metadata: {labels: {app: a}}\n    spec:\n      containers: [{name: c, image: i:1}]\n";
        assert_eq!(positions(y, "DS501"), ["8:5"]);
        let set = y.replace(
            "    spec:\n",
            "    spec:\n      priorityClassName: system-node-critical\n",
        );
        assert!(positions(&set, "DS501").is_empty());
    }
}
