use crate::diagnostic::{Diagnostic, RuleMeta, Severity};
use crate::engine::{Context, Rule};
use crate::model::DaemonSet;

pub static META: RuleMeta = RuleMeta {
    code: "DS006",
    name: "requests-exceed-limits",
    severity: Severity::Error,
    summary: "A resource request is greater than its limit",
    doc: include_str!("../../rules/DS006.md"),
};

pub struct RequestsExceedLimits;

impl Rule for RequestsExceedLimits {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ds: &DaemonSet, cx: &mut Context) {
        let Some(pod) = ds.pod() else { return };
        for c in pod.all_containers() {
            let Some(res) = &c.resources else { continue };
            for request in &res.requests.entries {
                let name = &request.value.resource;
                let Some(limit) = res.limits.get(name) else {
                    continue;
                };
                let (Ok(req), Ok(lim)) = (&request.value.parsed, &limit.value.parsed) else {
                    continue;
                };
                if req > lim {
                    cx.report(
                        Diagnostic::new(
                            &META,
                            request.span,
                            format!(
                                "{} requests {} {name} but is limited to {}",
                                c.describe(),
                                request.value.text,
                                limit.value.text
                            ),
                        )
                        .label("request above the limit")
                        .related(limit.span, "limit")
                        .help(format!(
                            "lower the {name} request to at most {}, or raise the limit",
                            limit.value.text
                        )),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::test_support::positions;

    fn ds(requests: &str, limits: &str) -> String {
        format!(
            "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {{name: a}}\nspec:\n  selector: {{matchLabels: {{a: b}}}}\n  template:\n    metadata: {{labels: {{a: b}}}}\n    spec:\n      containers:\n      - name: c\n        image: i:1\n        resources:\n          requests: {requests}\n          limits: {limits}\n"
        )
    }

    #[test]
    fn compares_after_normalisation() {
        assert!(
            positions(
                &ds("{memory: 1Gi, cpu: 1}", "{memory: 1024Mi, cpu: 1000m}"),
                "DS006"
            )
            .is_empty()
        );
        assert_eq!(
            positions(
                &ds("{memory: 1025Mi, cpu: 0.5}", "{memory: 1Gi, cpu: 400m}"),
                "DS006"
            ),
            ["13:30", "13:43"]
        );
    }
}
