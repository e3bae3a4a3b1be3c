use crate::diagnostic::{Diagnostic, RuleMeta, Severity};
use crate::engine::{Context, Rule};
use crate::model::{Container, DaemonSet, ResourceQuantity, Resources, Spanned};
use crate::rules::ds004_resources::{is_extended, is_hugepages};

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
                compare(cx, c, res, request);
            }
        }
    }
}

/// `IsOvercommitAllowed`: only native resources other than hugepages may request less than
/// their limit; extended resources and hugepages need request == limit.
fn overcommit_allowed(name: &str) -> bool {
    !is_extended(name) && !is_hugepages(name)
}

/// `ValidateContainerResourceRequirements`, for one request against its limit. A limit alone
/// is fine: the request defaults to it.
fn compare(cx: &mut Context, c: &Container, res: &Resources, request: &Spanned<ResourceQuantity>) {
    let name = &request.value.resource;
    let Some(limit) = res.limits.get(name) else {
        if !overcommit_allowed(name) {
            cx.report(
                Diagnostic::new(
                    &META,
                    request.whole(),
                    format!(
                        "the API server rejects a request for {name} without a limit: {name} cannot be overcommitted, so its limit must be set and equal the request (ValidateResourceRequirements)"
                    ),
                )
                .label("request without a limit")
                .help(format!(
                    "set `limits: {{{name}: {}}}`; a limit alone is enough, the request defaults to it",
                    request.value.text
                )),
            );
        }
        return;
    };
    let (Ok(req), Ok(lim)) = (&request.value.parsed, &limit.value.parsed) else {
        return;
    };
    let (message, label) = if !overcommit_allowed(name) && req != lim {
        (
            format!(
                "the API server rejects {} requesting {} {name} with a limit of {}: {name} cannot be overcommitted, so request and limit must be equal (ValidateResourceRequirements)",
                c.describe(),
                request.value.text,
                limit.value.text
            ),
            "request differs from the limit",
        )
    } else if req > lim {
        (
            format!(
                "the API server rejects {} requesting {} {name} with a limit of {}: a request may not exceed its limit (ValidateResourceRequirements)",
                c.describe(),
                request.value.text,
                limit.value.text
            ),
            "request above the limit",
        )
    } else {
        return;
    };
    cx.report(
        Diagnostic::new(&META, request.span, message)
            .label(label)
            .related(limit.span, "limit")
            .help(format!(
                "set the {name} request to {} (or remove it: it defaults to the limit), or change the limit",
                limit.value.text
            )),
    );
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

    #[test]
    fn extended_resources_and_hugepages_need_equal_limits() {
        assert_eq!(
            positions(
                &ds(
                    "{nvidia.com/gpu: 1, hugepages-2Mi: 64Mi}",
                    "{hugepages-2Mi: 128Mi}"
                ),
                "DS006"
            ),
            ["13:22", "13:56"]
        );
        assert!(
            positions(
                &ds(
                    "{hugepages-2Mi: 128Mi, cpu: 1}",
                    "{nvidia.com/gpu: 2, hugepages-2Mi: 128Mi}"
                ),
                "DS006"
            )
            .is_empty()
        );
    }
}
