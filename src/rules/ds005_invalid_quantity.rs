use crate::diagnostic::{Diagnostic, RuleMeta, Severity};
use crate::engine::{Context, Rule};
use crate::model::{DaemonSet, QuantityError};

pub static META: RuleMeta = RuleMeta {
    code: "DS005",
    name: "invalid-quantity",
    severity: Severity::Error,
    summary: "A resource quantity that Kubernetes cannot parse, or a negative one",
    doc: include_str!("../../rules/DS005.md"),
};

pub struct InvalidQuantity;

impl Rule for InvalidQuantity {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ds: &DaemonSet, cx: &mut Context) {
        let Some(pod) = ds.pod() else { return };
        for c in pod.all_containers() {
            let Some(res) = &c.resources else { continue };
            for (list, entries) in [("requests", &res.requests), ("limits", &res.limits)] {
                for e in &entries.entries {
                    let q = &e.value;
                    let message = match &q.parsed {
                        Ok(v) if v.is_negative() => format!(
                            "{} {list} a negative {} (`{}`)",
                            c.describe(),
                            q.resource,
                            q.text
                        ),
                        Ok(_) => continue,
                        Err(err) => format!(
                            "`{}` is not a valid quantity for {} {}: it {err}",
                            q.text,
                            c.describe(),
                            q.resource
                        ),
                    };
                    cx.report(
                        Diagnostic::new(&META, e.span, message)
                            .label("rejected by the API server")
                            .help(hint(&q.parsed)),
                    );
                }
            }
        }
    }
}

fn hint(parsed: &Result<crate::model::Quantity, QuantityError>) -> String {
    match parsed {
        Err(QuantityError::UnknownSuffix(s)) if s.ends_with('B') || s.ends_with('b') => {
            "Kubernetes units have no `B`: write `64Mi` (mebibytes) or `64M` (megabytes)".to_owned()
        }
        _ => "write a number with an optional unit: `100m` or `0.5` for CPU, `64Mi` or `1Gi` for memory".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::test_support::positions;

    #[test]
    fn bad_quantities() {
        let y = "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: a}\nspec:\n  selector: {matchLabels: {a: b}}\n  template:\n    metadata: {labels: {a: b}}\n    spec:\n      containers:\n      - name: c\n        image: i:1\n        resources:\n          requests: {cpu: 1.2.3, memory: 64MB}\n          limits: {cpu: 0.5, memory: 1e3, nvidia.com/gpu: 1}\n";
        assert_eq!(positions(y, "DS005"), ["13:27", "13:42"]);
    }
}
