use crate::diagnostic::{Diagnostic, RuleMeta, Severity};
use crate::did_you_mean::suggest;
use crate::engine::{Context, Rule};
use crate::model::{Capabilities, DaemonSet, LINUX_CAPABILITIES, Spanned};
use crate::rules::hardening;

pub static META: RuleMeta = RuleMeta {
    code: "DS813",
    name: "unknown-capability",
    severity: Severity::Warning,
    summary: "A capability name Linux does not have (`SYS_CHOWN`): containerd's runc ignores it \
              and CRI-O refuses to create the container",
    doc: include_str!("../../rules/DS813.md"),
};

pub struct UnknownCapability;

impl Rule for UnknownCapability {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ds: &DaemonSet, cx: &mut Context) {
        let Some(pod) = ds.pod() else { return };
        // A privileged container's lists are not read; DS303's help names its unknown ones.
        for (c, caps) in hardening::read_capability_lists(pod) {
            let added = unknown(&caps.add);
            let dropped = unknown(&caps.drop);
            let Some(first) = added.iter().chain(&dropped).min_by_key(|v| v.span.start) else {
                continue;
            };
            let mut effects = Vec::new();
            if !added.is_empty() {
                let them = if added.len() == 1 { "it" } else { "them" };
                effects.push(format!(
                    "adding {} fails: containerd's runc ignores {them} with a warning, so the \
                     container never gets {them}, and CRI-O refuses to create the container \
                     (\"unknown capability to add\")",
                    quoted(&added)
                ));
            }
            if !dropped.is_empty() {
                effects.push(format!("dropping {} drops nothing", quoted(&dropped)));
            }
            let hints: Vec<String> = added
                .iter()
                .chain(&dropped)
                .map(|v| match meant(&v.value) {
                    Some(m) => format!("for `{}`, `{m}`", v.value.trim()),
                    None => format!("`{}` has no counterpart", v.value.trim()),
                })
                .collect();
            cx.report(
                Diagnostic::new(
                    &META,
                    first.span,
                    format!(
                        "{} names {} Linux does not have: {}",
                        c.describe(),
                        if added.len() + dropped.len() == 1 {
                            "a capability"
                        } else {
                            "capabilities"
                        },
                        effects.join("; ")
                    ),
                )
                .label("no such capability")
                .help(format!(
                    "write the capability the agent needs, by its name in capabilities(7) without \
                     `CAP_` ({}); remove a name that has none",
                    hints.join(", ")
                )),
            );
        }
    }
}

/// The names of a list that are no capability, leaving `CAP_`-prefixed ones to DS811.
fn unknown(list: &[Spanned<String>]) -> Vec<&Spanned<String>> {
    list.iter()
        .filter(|v| !Capabilities::prefixed(&v.value) && !Capabilities::known(&v.value))
        .collect()
}

/// The capability a wrong name most likely meant: `SYS_CHOWN` is `CHOWN`; changing a file's
/// mode without owning it is `FOWNER`'s, as there is no chmod capability.
pub fn meant(name: &str) -> Option<&'static str> {
    let name = Capabilities::normalize(name);
    let bare = name.strip_prefix("SYS_").unwrap_or(&name);
    if matches!(bare, "CHMOD" | "FCHMOD") {
        return Some("FOWNER");
    }
    LINUX_CAPABILITIES
        .iter()
        .copied()
        .find(|k| *k == bare)
        .or_else(|| suggest(&name, LINUX_CAPABILITIES))
}

fn quoted(list: &[&Spanned<String>]) -> String {
    list.iter()
        .map(|v| format!("`{}`", v.value.trim()))
        .collect::<Vec<_>>()
        .join(", ")
}
