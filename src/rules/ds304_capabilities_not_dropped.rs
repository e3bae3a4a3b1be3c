use crate::diagnostic::{Diagnostic, RuleMeta, Severity};
use crate::engine::{Context, Rule};
use crate::fix::{Change, Fix, Target, Value, set_security_field};
use crate::model::Container;
use crate::model::DaemonSet;
use crate::rules::hardening;

pub static META: RuleMeta = RuleMeta {
    code: "DS304",
    name: "capabilities-not-dropped",
    severity: Severity::Warning,
    summary: "A container keeps the runtime's default capabilities (capabilities.drop lacks ALL)",
    doc: include_str!("../../rules/DS304.md"),
};

pub struct CapabilitiesNotDropped;

impl Rule for CapabilitiesNotDropped {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ds: &DaemonSet, cx: &mut Context) {
        let Some(pod) = ds.pod() else { return };
        for c in hardening::judged(pod, cx.profile) {
            let caps = c.capabilities();
            if caps.is_some_and(|k| k.drops_all()) {
                continue;
            }
            let at = caps.map_or(c.security_at(), |k| k.key);
            cx.report(
                Diagnostic::new(
                    &META,
                    at,
                    format!(
                        "{} keeps the runtime's default capabilities: `capabilities.drop` does not \
                         include ALL",
                        c.describe()
                    ),
                )
                .label("default capabilities kept")
                .help(
                    "set `capabilities: {drop: [ALL]}` and add back only what the agent needs, \
                     e.g. `add: [SYS_PTRACE]` for process metrics under hostPID",
                )
                .fix(Some(fix(c))),
            );
        }
    }
}

/// `ALL` joins the drop list (or a new one); an agent that relied on a default capability
/// loses it, so this changes how it runs.
fn fix(c: &Container) -> Fix {
    let all = || Value::Seq(vec![Value::scalar("ALL")]);
    let change = match c.capabilities() {
        Some(k) => match k.drop.last() {
            Some(last) => Change::AddItem {
                after: last.span,
                item: Value::scalar("ALL"),
            },
            None => Change::Insert {
                into: Target::ValueOf(k.key),
                key: "drop".to_owned(),
                value: all(),
            },
        },
        None => set_security_field(c, "capabilities", Value::map([("drop", all())])),
    };
    Fix::unsafe_("add `ALL` to `capabilities.drop`", vec![change])
}

#[cfg(test)]
mod tests {
    use crate::rules::test_support::positions;

    #[test]
    fn drop_all() {
        let y = "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: a}\nspec:\n  selector: {matchLabels: {app: a}}\n  template:\n    metadata: {labels: {app: a}}\n    spec:\n      containers:\n      - {name: a, image: i:1}\n      - {name: b, image: i:1, securityContext: {capabilities: {drop: [NET_RAW]}}}\n      - {name: c, image: i:1, securityContext: {capabilities: {drop: [cap_all]}}}\n      - {name: d, image: i:1, securityContext: {privileged: true}}\n";
        assert_eq!(positions(y, "DS304"), ["10:10", "11:49"]);
    }
}
