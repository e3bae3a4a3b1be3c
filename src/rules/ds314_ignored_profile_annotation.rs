use crate::diagnostic::{Diagnostic, RuleMeta, Severity};
use crate::engine::{Context, Rule};
use crate::model::{Container, DaemonSet, Pair, PodSpec};

pub static META: RuleMeta = RuleMeta {
    code: "DS314",
    name: "ignored-profile-annotation",
    severity: Severity::Warning,
    summary: "A seccomp or AppArmor annotation Kubernetes ignores: on the DaemonSet instead of its \
              pod template, or a seccomp annotation, unread since 1.27",
    doc: include_str!("../../rules/DS314.md"),
};

const SECCOMP_POD: &str = "seccomp.security.alpha.kubernetes.io/pod";
const SECCOMP_CONTAINER: &str = "container.seccomp.security.alpha.kubernetes.io/";
const APPARMOR_CONTAINER: &str = "container.apparmor.security.beta.kubernetes.io/";

/// The release that stopped filling the seccomp fields in from the annotations (the kubelet
/// stopped reading them in 1.25).
const SECCOMP_REMOVED: u8 = 27;

pub struct IgnoredProfileAnnotation;

impl Rule for IgnoredProfileAnnotation {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ds: &DaemonSet, cx: &mut Context) {
        // Annotations on the DaemonSet itself never reach its pods: the controller copies only
        // the template's.
        for a in &ds.metadata.annotations {
            let key = a.value.0.as_str();
            // An ignored `unconfined` seccomp annotation gives what it asked for, and so does
            // one for privileged containers, which run unconfined whatever they ask.
            let seccomp = is_seccomp(key)
                && profile_of(&a.value.1).is_some()
                && !ds.pod().is_some_and(|pod| all_privileged(pod, key));
            if !(seccomp || key.starts_with(APPARMOR_CONTAINER)) {
                continue;
            }
            let help = if seccomp {
                seccomp_help(a)
            } else {
                "move it to the pod template's annotations (`spec.template.metadata.annotations`), \
                 or set `securityContext.appArmorProfile` on the container (Kubernetes 1.30 and \
                 later)"
                    .to_owned()
            };
            cx.report(
                Diagnostic::new(
                    &META,
                    a.key,
                    format!(
                        "`{key}` is on the DaemonSet, not on its pod template: the controller \
                         copies only the template's annotations to the pods, so the profile is \
                         never applied"
                    ),
                )
                .label("not on the pod template")
                .help(help),
            );
        }
        let Some(pod) = ds.pod() else { return };
        if !cx.settings.kubernetes_version.at_least(SECCOMP_REMOVED) {
            return;
        }
        for a in ds.template_annotations() {
            let key = a.value.0.as_str();
            if !is_seccomp(key)
                || profile_of(&a.value.1).is_none()
                || has_field(pod, key)
                || all_privileged(pod, key)
            {
                continue;
            }
            cx.report(
                Diagnostic::new(
                    &META,
                    a.key,
                    format!(
                        "Kubernetes has ignored `{key}` since 1.27 (the kubelet since 1.25): the \
                         pods run without the `{}` profile, unconfined unless the kubelet \
                         defaults to RuntimeDefault",
                        a.value.1
                    ),
                )
                .label("ignored annotation")
                .help(seccomp_help(a)),
            );
        }
    }
}

fn is_seccomp(key: &str) -> bool {
    key == SECCOMP_POD || key.starts_with(SECCOMP_CONTAINER)
}

/// The `seccompProfile` an annotation value stands for; `None` for `unconfined`, which is
/// what an ignored annotation gives anyway, and for values the annotation never took.
fn profile_of(value: &str) -> Option<String> {
    match value.trim() {
        "runtime/default" | "docker/default" => Some("{type: RuntimeDefault}".to_owned()),
        v => v
            .strip_prefix("localhost/")
            .filter(|p| !p.is_empty())
            .map(|p| format!("{{type: Localhost, localhostProfile: {p}}}")),
    }
}

fn seccomp_help(a: &Pair) -> String {
    let key = a.value.0.as_str();
    let profile = profile_of(&a.value.1).unwrap_or_else(|| "{type: RuntimeDefault}".to_owned());
    let place = match key.strip_prefix(SECCOMP_CONTAINER) {
        Some(container) => format!("container `{container}`'s `securityContext`"),
        None => "the pod's `securityContext` (`spec.template.spec.securityContext`)".to_owned(),
    };
    format!("set `seccompProfile: {profile}` in {place} and remove the annotation")
}

/// Whether every container the seccomp annotation is for runs privileged: the runtime applies
/// no seccomp profile to a privileged container, so the lost annotation changes nothing.
fn all_privileged(pod: &PodSpec, key: &str) -> bool {
    let covered: Vec<&Container> = pod
        .all_containers()
        .filter(|c| match key.strip_prefix(SECCOMP_CONTAINER) {
            Some(name) => c.name.as_ref().is_some_and(|n| n.value == name),
            None => true,
        })
        .collect();
    !covered.is_empty() && covered.iter().all(|c| c.privileged())
}

/// Whether the field the annotation stood for is set: then the annotation is only a leftover
/// (the API server requires the two to agree while both are there).
fn has_field(pod: &PodSpec, key: &str) -> bool {
    if pod.seccomp_profile.is_some() {
        return true;
    }
    key.strip_prefix(SECCOMP_CONTAINER).is_some_and(|name| {
        pod.all_containers().any(|c| {
            c.name.as_ref().is_some_and(|n| n.value == name)
                && c.security_context
                    .as_ref()
                    .is_some_and(|s| s.seccomp_profile.is_some())
        })
    })
}

#[cfg(test)]
mod tests {
    use crate::rules::test_support::{messages, positions};

    fn ds(meta: &str, template: &str, pod: &str) -> String {
        format!(
            "apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: a\n  annotations: {{{meta}}}\nspec:\n  selector:\n    matchLabels: {{app: a}}\n  template:\n    metadata:\n      labels: {{app: a}}\n      annotations: {{{template}}}\n    spec:\n{pod}      containers:\n      - name: c\n        image: i:1\n"
        )
    }

    #[test]
    fn on_the_daemonset_or_unread_since_1_27() {
        let on_ds = ds(
            "seccomp.security.alpha.kubernetes.io/pod: docker/default",
            "",
            "",
        );
        assert_eq!(positions(&on_ds, "DS314"), ["5:17"]);
        let apparmor = ds(
            "container.apparmor.security.beta.kubernetes.io/c: runtime/default",
            "",
            "",
        );
        assert_eq!(positions(&apparmor, "DS314"), ["5:17"]);
        let template = ds(
            "",
            "seccomp.security.alpha.kubernetes.io/pod: runtime/default",
            "",
        );
        assert_eq!(positions(&template, "DS314"), ["12:21"]);
        let message = messages(&template, "DS314").join("");
        assert!(message.contains("since 1.27"), "{message}");
    }

    #[test]
    fn where_the_annotation_still_works_or_changes_nothing() {
        // AppArmor annotations on the template still apply.
        let apparmor = ds(
            "",
            "container.apparmor.security.beta.kubernetes.io/c: unconfined",
            "",
        );
        assert!(positions(&apparmor, "DS314").is_empty());
        // Unconfined is what an ignored annotation gives anyway.
        let unconfined = ds(
            "",
            "seccomp.security.alpha.kubernetes.io/pod: unconfined",
            "",
        );
        assert!(positions(&unconfined, "DS314").is_empty());
        // A privileged container runs unconfined whatever it asks.
        let privileged = ds(
            "",
            "seccomp.security.alpha.kubernetes.io/pod: runtime/default",
            "",
        )
        .replace(
            "        image: i:1\n",
            "        image: i:1\n        securityContext: {privileged: true}\n",
        );
        assert!(positions(&privileged, "DS314").is_empty());
        // The field is set: the annotation is a leftover.
        let field = ds(
            "",
            "seccomp.security.alpha.kubernetes.io/pod: runtime/default",
            "      securityContext:\n        seccompProfile: {type: RuntimeDefault}\n",
        );
        assert!(positions(&field, "DS314").is_empty());
    }
}
