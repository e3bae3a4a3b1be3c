use crate::diagnostic::{Diagnostic, RuleMeta, Severity};
use crate::engine::{Context, Rule};
use crate::fix::{Change, Fix};
use crate::model::{Capabilities, DaemonSet, Spanned};
use crate::rules::hardening;

pub static META: RuleMeta = RuleMeta {
    code: "DS811",
    name: "prefixed-capability",
    severity: Severity::Warning,
    summary: "A capability written with `CAP_` (`CAP_PERFMON`): containerd adds the prefix itself, \
              so the capability is never added or dropped",
    doc: include_str!("../../rules/DS811.md"),
};

pub struct PrefixedCapability;

impl Rule for PrefixedCapability {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ds: &DaemonSet, cx: &mut Context) {
        let Some(pod) = ds.pod() else { return };
        for (c, caps) in hardening::read_capability_lists(pod) {
            let prefixed = |list: &'_ [Spanned<String>]| -> Vec<(String, String)> {
                list.iter()
                    .filter_map(|v| bare(&v.value).map(|b| (v.value.trim().to_owned(), b)))
                    .collect()
            };
            let added = prefixed(&caps.add);
            let dropped = prefixed(&caps.drop);
            let Some(first) = first_prefixed(caps) else {
                continue;
            };
            let mut effects = Vec::new();
            if !added.is_empty() {
                effects.push(format!("never gets {}", names(&added)));
            }
            if !dropped.is_empty() {
                effects.push(format!("keeps {}", names(&dropped)));
            }
            let changes = caps
                .add
                .iter()
                .chain(&caps.drop)
                .filter_map(|v| {
                    bare(&v.value).map(|content| Change::Replace {
                        span: v.span,
                        content,
                    })
                })
                .collect();
            // Either way the container's capabilities change on containerd nodes: an agent
            // that worked without PERFMON or with NET_RAW may have come to rely on it.
            let fix = Fix::unsafe_("remove the `CAP_` prefix", changes);
            let written: Vec<String> = added
                .iter()
                .chain(&dropped)
                .map(|(w, _)| format!("`{w}`"))
                .collect();
            cx.report(
                Diagnostic::new(
                    &META,
                    first.span,
                    format!(
                        "{} names {} with the `CAP_` prefix: containerd prefixes every name \
                         itself and asks for `CAP_{}`, which runc ignores as unknown, so on \
                         containerd nodes the container {}",
                        c.describe(),
                        written.join(", "),
                        first.value.trim().to_ascii_uppercase(),
                        effects.join(" and ")
                    ),
                )
                .label("read as `CAP_CAP_...` by containerd")
                .help(format!(
                    "write the names without the prefix, as Kubernetes documents them ({})",
                    added
                        .iter()
                        .chain(&dropped)
                        .map(|(_, b)| format!("`{b}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
                .fix(Some(fix)),
            );
        }
    }
}

/// The name without its `CAP_` prefix, when it has one.
fn bare(name: &str) -> Option<String> {
    let name = name.trim();
    let prefix = name.get(..4)?;
    let rest = &name[4..];
    (prefix.eq_ignore_ascii_case("CAP_") && !rest.is_empty()).then(|| rest.to_owned())
}

fn first_prefixed(caps: &Capabilities) -> Option<&Spanned<String>> {
    caps.add
        .iter()
        .chain(&caps.drop)
        .filter(|v| bare(&v.value).is_some())
        .min_by_key(|v| v.span.start)
}

fn names(list: &[(String, String)]) -> String {
    list.iter()
        .map(|(_, b)| b.to_ascii_uppercase())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use crate::rules::test_support::{pod_spec, positions};

    fn ds(security: &str) -> String {
        pod_spec(&format!(
            "      containers:\n      - name: a\n        image: i:1\n        securityContext:\n{security}"
        ))
    }

    #[test]
    fn prefixed_names() {
        let y = ds(
            "          capabilities:\n            add: [CAP_PERFMON, NET_ADMIN]\n            drop: [cap_net_raw]\n",
        );
        assert_eq!(positions(&y, "DS811"), ["14:19"]);
        let fine =
            ds("          capabilities:\n            add: [PERFMON]\n            drop: [ALL]\n");
        assert!(positions(&fine, "DS811").is_empty());
        let privileged =
            ds("          privileged: true\n          capabilities:\n            add: [CAP_BPF]\n");
        assert!(positions(&privileged, "DS811").is_empty());
    }
}
