use crate::diagnostic::{Diagnostic, RuleMeta, Severity};
use crate::engine::{Context, Rule};
use crate::model::{Container, DaemonSet};

pub static META: RuleMeta = RuleMeta {
    code: "DS103",
    name: "not-guaranteed-qos",
    severity: Severity::Note,
    summary: "The pod is Burstable: requests differ from limits, so it is evicted before Guaranteed pods",
    doc: include_str!("../../rules/DS103.md"),
};

pub struct NotGuaranteedQos;

/// Why a container keeps the pod from Guaranteed QoS, if it does.
fn breaks_guarantee(c: &Container) -> Option<String> {
    let Some(res) = &c.resources else {
        return Some("has no resources".to_owned());
    };
    for resource in ["cpu", "memory"] {
        let Some(limit) = res.limits.get(resource) else {
            return Some(format!("has no {resource} limit"));
        };
        // A missing request defaults to the limit.
        let Some(request) = res.requests.get(resource) else {
            continue;
        };
        let (Ok(req), Ok(lim)) = (&request.value.parsed, &limit.value.parsed) else {
            continue;
        };
        if req != lim {
            return Some(format!(
                "requests {} {resource} but is limited to {}",
                request.value.text, limit.value.text
            ));
        }
    }
    None
}

impl Rule for NotGuaranteedQos {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ds: &DaemonSet, cx: &mut Context) {
        let Some(pod) = ds.pod() else { return };
        let any_resources = pod.all_containers().any(|c| {
            c.resources
                .as_ref()
                .is_some_and(|r| !r.requests.entries.is_empty() || !r.limits.entries.is_empty())
        });
        // A BestEffort pod is DS101's finding.
        if !any_resources {
            return;
        }
        // QoS is decided for the whole pod; report the first container that breaks it.
        let Some((c, why)) = pod
            .all_containers()
            .find_map(|c| breaks_guarantee(c).map(|why| (c, why)))
        else {
            return;
        };
        let at = c.resources.as_ref().map_or(c.at(), |r| r.key);
        cx.report(
            Diagnostic::new(
                &META,
                at,
                format!(
                    "the pod is Burstable, not Guaranteed: {} {why}",
                    c.describe()
                ),
            )
            .label("breaks Guaranteed QoS")
            .help(
                "for Guaranteed QoS every container (init containers too) needs cpu and memory \
                 limits, with requests equal to them; the kubelet then evicts the agent last",
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::test_support::{pod_spec, positions};

    fn ds(containers: &str) -> String {
        pod_spec(&format!("      containers:\n{containers}"))
    }

    #[test]
    fn qos() {
        let guaranteed = ds(
            "      - {name: a, image: i:1, resources: {requests: {cpu: 0.1, memory: 1Gi}, limits: {cpu: 100m, memory: 1024Mi}}}\n      - {name: b, image: i:1, resources: {limits: {cpu: 1, memory: 1Gi}}}\n",
        );
        assert!(positions(&guaranteed, "DS103").is_empty());
        let burstable = ds(
            "      - {name: a, image: i:1, resources: {limits: {cpu: 1, memory: 1Gi}}}\n      - {name: b, image: i:1, resources: {requests: {cpu: 1, memory: 1Gi}, limits: {cpu: 2, memory: 1Gi}}}\n",
        );
        assert_eq!(positions(&burstable, "DS103"), ["11:31"]);
        assert!(positions(&ds("      - {name: a, image: i:1}\n"), "DS103").is_empty());
    }
}
