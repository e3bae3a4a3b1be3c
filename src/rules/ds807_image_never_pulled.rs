use crate::diagnostic::{Diagnostic, RuleMeta, Severity};
use crate::engine::{Context, Rule};
use crate::model::DaemonSet;

pub static META: RuleMeta = RuleMeta {
    code: "DS807",
    name: "image-never-pulled",
    severity: Severity::Warning,
    summary: "`imagePullPolicy: Never` in a DaemonSet: every node, including nodes added later, \
              must already hold the image, or its pod fails with ErrImageNeverPull",
    doc: include_str!("../../rules/DS807.md"),
};

pub struct ImageNeverPulled;

impl Rule for ImageNeverPulled {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ds: &DaemonSet, cx: &mut Context) {
        let Some(pod) = ds.pod() else { return };
        // One finding per image: containers that run the same one (an installer init container
        // and the agent) are preloaded, or not, together.
        let mut told: Vec<Option<&str>> = Vec::new();
        for c in pod.all_containers() {
            let Some(policy) = c.image_pull_policy.as_ref().filter(|p| p.value == "Never") else {
                continue;
            };
            let reference = c.image.as_ref().map(|i| i.value.as_str());
            if told.contains(&reference) {
                continue;
            }
            told.push(reference);
            let image = c
                .image
                .as_ref()
                .map_or_else(|| "its image".to_owned(), |i| format!("`{}`", i.value));
            cx.report(
                Diagnostic::new(
                    &META,
                    policy.span,
                    format!(
                        "{} never pulls {image}: the kubelet starts it only on nodes that already \
                         hold it, and the DaemonSet places a pod on every node, including nodes \
                         added later, where it fails with ErrImageNeverPull",
                        c.describe()
                    ),
                )
                .label("never pulled")
                .help(
                    "push the image to a registry the nodes can reach and remove \
                     `imagePullPolicy: Never` (or set `IfNotPresent`); preloading it into every \
                     node image works only as long as no node is built without it",
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::test_support::{pod_spec, positions};

    fn ds(policy: &str) -> String {
        pod_spec(&format!(
            "      containers:\n      - name: a\n        image: example.com/agent:1.0\n        imagePullPolicy: {policy}\n"
        ))
    }

    #[test]
    fn only_never() {
        assert_eq!(positions(&ds("Never"), "DS807"), ["12:26"]);
        assert!(positions(&ds("IfNotPresent"), "DS807").is_empty());
        assert!(positions(&ds("Always"), "DS807").is_empty());
        let twice = ds("Never").replace(
            "      containers:\n",
            "      initContainers:\n      - name: install\n        image: example.com/agent:1.0\n        imagePullPolicy: Never\n      containers:\n",
        );
        assert_eq!(positions(&twice, "DS807").len(), 1, "one finding per image");
    }
}
