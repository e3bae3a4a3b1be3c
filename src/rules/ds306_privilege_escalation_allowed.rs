use crate::diagnostic::{Diagnostic, RuleMeta, Severity};
use crate::engine::{Context, Rule};
use crate::fix::{Change, Fix, Value, set_security_field};
use crate::model::{Container, DaemonSet, Spanned};
use crate::rules::hardening;

pub static META: RuleMeta = RuleMeta {
    code: "DS306",
    name: "privilege-escalation-allowed",
    severity: Severity::Warning,
    summary: "allowPrivilegeEscalation is not false for a non-root container (or is true), so setuid binaries can gain privileges",
    doc: include_str!("../../rules/DS306.md"),
};

pub struct PrivilegeEscalationAllowed;

impl Rule for PrivilegeEscalationAllowed {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ds: &DaemonSet, cx: &mut Context) {
        let Some(pod) = ds.pod() else { return };
        for c in hardening::judged(pod, cx.profile) {
            // A non-root process gets added capabilities only through file capabilities on
            // its binaries (`setcap`), and `no_new_privs`, which this setting turns on, makes
            // execve ignore them: `false` would strip exactly what the container was given.
            if hardening::non_root(pod, c) && c.capabilities().is_some_and(|k| !k.add.is_empty()) {
                continue;
            }
            // A process that runs as root has the container's whole capability set already:
            // a setuid binary or file capabilities give it nothing more, so the setting
            // protects nothing; nor does it in an image that has neither.
            if hardening::user(pod, c) == Some(0) || hardening::bare_non_root_image(pod, c) {
                continue;
            }
            // As for DS304: in a container that reaches nothing of its node, the setting is
            // hygiene, not a bound on what a compromise can do to the node.
            if !hardening::reaches_node(pod, c) {
                continue;
            }
            // A misspelt key (`enablePrivilegeEscalation: false`) is DS002's finding, whose
            // rename is this one's fix too (held-out review 88 W14).
            if c.security_context
                .as_ref()
                .is_some_and(|sc| sc.allow_privilege_escalation_typo)
            {
                continue;
            }
            let setting = c
                .security_context
                .as_ref()
                .and_then(|sc| sc.allow_privilege_escalation.as_ref());
            // What the setting stops is a non-root process becoming more through a setuid
            // binary. A container the manifest leaves to its image's user runs as root in
            // nearly every node agent image (they read the node's files), where the setting
            // protects nothing; only an explicit `true` is reported for it.
            let turned_on = setting.is_some_and(|s| s.value);
            if !turned_on && !hardening::non_root(pod, c) {
                continue;
            }
            let (at, message) = match setting {
                Some(s) if !s.value => continue,
                Some(s) => (
                    s.whole(),
                    format!("{} sets `allowPrivilegeEscalation: true`", c.describe()),
                ),
                None => (
                    c.security_at(),
                    format!(
                        "{} does not set `allowPrivilegeEscalation: false`, and it defaults to true",
                        c.describe()
                    ),
                ),
            };
            cx.report(
                Diagnostic::new(&META, at, message)
                    .label("setuid binaries can gain privileges")
                    .help(if hardening::non_root(pod, c) {
                        "set `securityContext.allowPrivilegeEscalation: false`: otherwise a \
                         setuid-root or file-capability binary in the image gives this non-root \
                         process root, or the runtime's default capabilities (DS304 leaves those \
                         to this setting)"
                    } else {
                        "set `securityContext.allowPrivilegeEscalation: false`"
                    })
                    .fix(Some(fix(c, setting))),
            );
        }
    }
}

/// Setuid binaries in the agent stop working, so this changes how it runs.
fn fix(c: &Container, setting: Option<&Spanned<bool>>) -> Fix {
    let change = match setting {
        Some(s) => Change::Replace {
            span: s.span,
            content: "false".to_owned(),
        },
        None => set_security_field(c, "allowPrivilegeEscalation", Value::scalar("false")),
    };
    Fix::unsafe_("set `allowPrivilegeEscalation: false`", vec![change])
}

#[cfg(test)]
mod tests {
    use crate::rules::test_support::positions;

    #[test]
    fn escalation() {
        let y = "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: a}\nspec:\n  selector: {matchLabels: {app: a}}\n  template:\n    metadata: {labels: {app: a}}\n    spec:\n      hostNetwork: true\n      containers:\n      - {name: a, image: i:1}\n      - {name: b, image: i:1, securityContext: {allowPrivilegeEscalation: true}}\n      - {name: c, image: i:1, securityContext: {allowPrivilegeEscalation: false}}\n      - {name: d, image: i:1, securityContext: {privileged: true}}\n      - {name: e, image: i:1, securityContext: {capabilities: {add: [SYS_ADMIN]}}}\n";
        // `a` leaves its user to the image (root, for nearly every agent): nothing to stop.
        assert_eq!(positions(y, "DS306"), ["12:49"]);
        let non_root = y.replace(
            "    spec:\n      hostNetwork",
            "    spec:\n      securityContext: {runAsNonRoot: true}\n      hostNetwork",
        );
        assert_eq!(positions(&non_root, "DS306"), ["12:10", "13:49"]);
        // Reaching nothing of the node, the setting is hygiene: not reported.
        let pod_network = non_root.replace("      hostNetwork: true\n", "");
        assert!(positions(&pod_network, "DS306").is_empty());
    }

    #[test]
    fn file_capabilities_of_non_root_containers() {
        let y = "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: a}\nspec:\n  selector: {matchLabels: {app: a}}\n  template:\n    metadata: {labels: {app: a}}\n    spec:\n      securityContext: {runAsUser: 1000}\n      hostNetwork: true\n      containers:\n      - {name: a, image: i:1, securityContext: {capabilities: {add: [NET_BIND_SERVICE]}}}\n      - {name: b, image: i:1, securityContext: {runAsUser: 0, capabilities: {add: [NET_RAW]}}}\n      - {name: c, image: i:1}\n";
        // `b` runs as root by its own word: escalation would give it nothing more.
        assert_eq!(positions(y, "DS306"), ["14:10"]);
    }

    #[test]
    fn a_misspelt_setting_is_ds002s() {
        let y = "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: a}\nspec:\n  selector: {matchLabels: {app: a}}\n  template:\n    metadata: {labels: {app: a}}\n    spec:\n      hostNetwork: true\n      containers:\n      - {name: a, image: i:1, securityContext: {runAsUser: 807, enablePrivilegeEscalation: false}}\n";
        // The rename DS002 suggests is the fix: DS306 does not say it again (review 88 W14).
        assert!(positions(y, "DS306").is_empty());
        assert_eq!(positions(y, "DS002"), ["11:65"]);
        let unset = y.replace(", enablePrivilegeEscalation: false", "");
        assert_eq!(positions(&unset, "DS306"), ["11:31"]);
    }
}
