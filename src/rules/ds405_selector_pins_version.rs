use crate::diagnostic::{Diagnostic, RuleMeta, Severity};
use crate::engine::{Context, Rule};
use crate::model::DaemonSet;

pub static META: RuleMeta = RuleMeta {
    code: "DS405",
    name: "selector-pins-version",
    severity: Severity::Warning,
    summary: "spec.selector matches a release version label: the next release cannot change it, since the selector is immutable",
    doc: include_str!("../../rules/DS405.md"),
};

/// Label keys that carry a release's version or chart.
const VERSION_KEYS: &[&str] = &[
    "version",
    "app.kubernetes.io/version",
    "helm.sh/chart",
    "chart",
];

pub struct SelectorPinsVersion;

impl Rule for SelectorPinsVersion {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ds: &DaemonSet, cx: &mut Context) {
        let Some(selector) = ds.spec.as_ref().and_then(|s| s.selector.as_ref()) else {
            return;
        };
        let name = ds.metadata.name.as_ref().map_or("", |n| n.value.as_str());
        for pair in &selector.match_labels {
            let (key, value) = &pair.value;
            if !VERSION_KEYS.contains(&key.as_str()) || !names_a_release(value) {
                continue;
            }
            // A DaemonSet named for the version (`fluentd-es-v2.2.0`, the old addon's way) is
            // replaced by a new one at each release, not updated: the versioned selector keeps
            // the two from adopting each other's pods.
            if name.contains(value.as_str()) {
                continue;
            }
            cx.report(
                Diagnostic::new(
                    &META,
                    pair.whole(),
                    format!(
                        "the selector matches `{key}: {value}`, a release's version: apps/v1 \
                         makes `spec.selector` immutable, so the next release's manifest, with \
                         its new version here, is rejected, and upgrading means deleting the \
                         DaemonSet (every node loses the agent until it is recreated)"
                    ),
                )
                .label("changes with every release")
                .help(format!(
                    "select on labels that never change (`app.kubernetes.io/name`, \
                     `app.kubernetes.io/instance`) and keep `{key}` on the pod template's labels \
                     only; changing the selector of a running DaemonSet takes one delete with \
                     `--cascade=orphan` and a re-apply"
                )),
            );
        }
    }
}

/// A value with a dot between digits (`2.4.1`, `v2.2.0`, `grafana-agent-0.42.0`): a specific
/// release, not a series (`v1`) that stays while the manifest does.
fn names_a_release(value: &str) -> bool {
    let bytes = value.as_bytes();
    bytes
        .windows(3)
        .any(|w| w[0].is_ascii_digit() && w[1] == b'.' && w[2].is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use crate::rules::test_support::positions;

    fn ds(labels: &str) -> String {
        format!(
            "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {{name: a}}\nspec:\n  selector:\n    matchLabels: {{{labels}}}\n  template:\n    metadata: {{labels: {{{labels}}}}}\n    spec: {{containers: [{{name: c, image: 'i:1'}}]}}\n"
        )
    }

    #[test]
    fn release_versions_only() {
        assert_eq!(
            positions(&ds("app: a, app.kubernetes.io/version: 2.4.1"), "DS405"),
            ["6:27"]
        );
        assert_eq!(
            positions(&ds("k8s-app: a, version: v2.2.0"), "DS405"),
            ["6:31"]
        );
        assert!(positions(&ds("app: a, version: v1"), "DS405").is_empty());
        let named = ds("k8s-app: a, version: v2.2.0").replace("{name: a}", "{name: a-v2.2.0}");
        assert!(
            positions(&named, "DS405").is_empty(),
            "a new DaemonSet per release"
        );
        assert!(positions(&ds("app: a, tier: '1.0'"), "DS405").is_empty());
    }
}
