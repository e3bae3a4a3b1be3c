use crate::diagnostic::{Diagnostic, RuleMeta, Severity};
use crate::engine::{Context, Rule};
use crate::fix::{Change, Fix};
use crate::model::DaemonSet;

pub static META: RuleMeta = RuleMeta {
    code: "DS007",
    name: "removed-api-version",
    severity: Severity::Error,
    summary: "The DaemonSet uses an API version removed in Kubernetes 1.16",
    doc: include_str!("../../rules/DS007.md"),
};

/// Groups that served DaemonSets until Kubernetes 1.16.
const REMOVED: &[&str] = &["extensions/v1beta1", "apps/v1beta2"];

/// A group that served other workloads but never DaemonSets.
const NEVER: &str = "apps/v1beta1";

pub struct RemovedApiVersion;

impl Rule for RemovedApiVersion {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ds: &DaemonSet, cx: &mut Context) {
        let Some(version) = &ds.api_version else {
            return;
        };
        let message = if version.value == NEVER {
            "`apps/v1beta1` never had DaemonSets (it served Deployments and StatefulSets): the API server answers \"no matches for kind DaemonSet in version apps/v1beta1\"".to_owned()
        } else if REMOVED.contains(&version.value.as_str()) {
            format!(
                "`{}` DaemonSets were removed in Kubernetes 1.16: the API server answers \"no matches for kind DaemonSet\"",
                version.value
            )
        } else {
            return;
        };
        let mut help = "use `apiVersion: apps/v1`".to_owned();
        if ds.spec.as_ref().is_some_and(|s| s.selector.is_none()) {
            help.push_str(", and add `spec.selector`, which apps/v1 requires");
        }
        let no_strategy = ds
            .spec
            .as_ref()
            .is_some_and(|s| s.update_strategy.is_none());
        if no_strategy && version.value == "extensions/v1beta1" {
            help.push_str("; note apps/v1 defaults updateStrategy to RollingUpdate where extensions/v1beta1 defaulted to OnDelete");
        }
        cx.report(
            Diagnostic::new(&META, version.span, message)
                .label("no longer served")
                .help(help)
                .fix(fix(ds))
                .refuses_object(),
        );
    }
}

/// `apps/v1` for a removed group, when the selector apps/v1 requires is already there.
fn fix(ds: &DaemonSet) -> Option<Fix> {
    let version = ds.api_version.as_ref()?;
    let selector = ds.spec.as_ref().is_some_and(|s| s.selector.is_some());
    (selector && REMOVED.contains(&version.value.as_str())).then(|| {
        Fix::safe(
            "use `apiVersion: apps/v1`",
            vec![Change::Replace {
                span: version.span,
                content: "apps/v1".to_owned(),
            }],
        )
    })
}

#[cfg(test)]
mod tests {
    use crate::rules::test_support::positions;

    #[test]
    fn removed_versions() {
        let y = "apiVersion: extensions/v1beta1\nkind: DaemonSet\nmetadata: {name: a}\nspec:\n  template:\n    metadata: {labels: {a: b}}\n    spec:\n      containers: [{name: c, image: i}]\n";
        assert_eq!(positions(y, "DS007"), ["1:13"]);
        assert!(positions(&y.replace("extensions/v1beta1", "apps/v1"), "DS007").is_empty());
        assert_eq!(
            positions(&y.replace("extensions/v1beta1", "apps/v1beta1"), "DS007"),
            ["1:13"]
        );
    }
}
