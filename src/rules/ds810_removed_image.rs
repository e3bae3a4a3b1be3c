use crate::diagnostic::{Diagnostic, RuleMeta, Severity};
use crate::engine::{Context, Rule};
use crate::model::DaemonSet;

pub static META: RuleMeta = RuleMeta {
    code: "DS810",
    name: "removed-image",
    severity: Severity::Warning,
    summary: "An image from a repository that no longer serves it: every pull fails",
    doc: include_str!("../../rules/DS810.md"),
};

pub struct RemovedImage;

/// Repositories that stopped serving their images: the prefix, when and why, and where the
/// image lives now. Each is a published fact with its source on the rule's page.
const REMOVED: &[(&str, &str, &str)] = &[(
    "gcr.io/kubebuilder/",
    "were removed on 18 March 2025, when Google Container Registry shut down \
     (kubernetes-sigs/kubebuilder discussion #3907)",
    "use the upstream image at the same version (`quay.io/brancz/kube-rbac-proxy` for \
     kube-rbac-proxy), or drop the proxy: kubebuilder's scaffold now protects the metrics \
     endpoint itself",
)];

impl Rule for RemovedImage {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ds: &DaemonSet, cx: &mut Context) {
        let Some(pod) = ds.pod() else { return };
        let mut told: Vec<&str> = Vec::new();
        for c in pod.all_containers() {
            let Some(image) = &c.image else { continue };
            let reference = image.value.trim();
            let Some((prefix, when, instead)) = REMOVED
                .iter()
                .find(|(prefix, _, _)| reference.starts_with(prefix))
            else {
                continue;
            };
            if told.contains(&reference) {
                continue;
            }
            told.push(reference);
            cx.report(
                Diagnostic::new(
                    &META,
                    image.span,
                    format!(
                        "{} runs `{reference}`: the images under `{prefix}` {when}, so the pull \
                         fails on every node that does not hold it already, and the pod never \
                         starts there",
                        c.describe()
                    ),
                )
                .label("no longer served")
                .help(*instead),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::test_support::{pod_spec, positions};

    fn ds(image: &str) -> String {
        pod_spec(&format!(
            "      containers:\n      - name: a\n        image: {image}\n"
        ))
    }

    #[test]
    fn removed() {
        assert_eq!(
            positions(&ds("gcr.io/kubebuilder/kube-rbac-proxy:v0.13.1"), "DS810"),
            ["11:16"]
        );
        assert!(positions(&ds("quay.io/brancz/kube-rbac-proxy:v0.18.0"), "DS810").is_empty());
    }
}
