use crate::diagnostic::{Diagnostic, RuleMeta, Severity};
use crate::engine::{Context, Rule};
use crate::model::{Capabilities, DaemonSet, Spanned};
use crate::prose::listed;
use crate::rules::hardening;

pub static META: RuleMeta = RuleMeta {
    code: "DS814",
    name: "capability-never-held",
    severity: Severity::Warning,
    summary: "A non-root container with `allowPrivilegeEscalation: false` adds capabilities: its \
              process never holds them, so the agent cannot do what they are for",
    doc: include_str!("../../rules/DS814.md"),
};

pub struct CapabilityNeverHeld;

impl Rule for CapabilityNeverHeld {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ds: &DaemonSet, cx: &mut Context) {
        let Some(pod) = ds.pod() else { return };
        // A privileged container holds every capability, as root or not.
        for (c, caps) in hardening::read_capability_lists(pod) {
            if !hardening::non_root(pod, c) {
                continue;
            }
            let Some(no_escalation) = c
                .security_context
                .as_ref()
                .and_then(|sc| sc.allow_privilege_escalation.as_ref())
                .filter(|a| !a.value)
            else {
                continue;
            };
            // Unknown names are DS813's, prefixed ones DS811's.
            let added: Vec<(&Spanned<String>, String)> = caps
                .add
                .iter()
                .filter(|a| Capabilities::known(&a.value) && !Capabilities::prefixed(&a.value))
                .map(|a| (a, Capabilities::normalize(&a.value)))
                .filter(|(_, name)| name != "ALL")
                .collect();
            let Some((first, _)) = added.first() else {
                continue;
            };
            let names: Vec<&str> = added.iter().map(|(_, name)| name.as_str()).collect();
            let who = match hardening::user(pod, c) {
                Some(uid) => format!("as user {uid}"),
                None => "as its image's non-root user".to_owned(),
            };
            cx.report(
                Diagnostic::new(
                    &META,
                    first.span,
                    format!(
                        "{} runs {who} with `allowPrivilegeEscalation: false` and adds {}, which \
                         its process never holds: Kubernetes sets no ambient capabilities, so a \
                         non-root process gets added capabilities only from file capabilities on \
                         the program it runs, and no_new_privs (which `allowPrivilegeEscalation: \
                         false` sets) makes execve ignore those",
                        c.describe(),
                        listed(&names)
                    ),
                )
                .label("never in the process's effective set")
                .related(
                    no_escalation.span,
                    "no_new_privs: file capabilities ignored",
                )
                .help(
                    "if the agent needs them, run it as root (`runAsUser: 0`) with `drop: [ALL]` \
                     and only these added, or let it start as root and drop to its user itself \
                     (chronyd's `-u`); if it does not, remove them",
                ),
            );
        }
    }
}
