use crate::diagnostic::{Diagnostic, RuleMeta, Severity};
use crate::engine::{Context, Rule};
use crate::model::DaemonSet;
use crate::model::rbac::ServiceAccount;

pub static META: RuleMeta = RuleMeta {
    code: "DS012",
    name: "unknown-service-account",
    severity: Severity::Warning,
    summary: "The pods name a service account the manifests beside them do not create, or run \
              as `default` beside the account made for them",
    doc: include_str!("../../rules/DS012.md"),
};

pub struct UnknownServiceAccount;

impl Rule for UnknownServiceAccount {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ds: &DaemonSet, cx: &mut Context) {
        let Some(pod) = ds.pod() else { return };
        let namespace = ds.metadata.namespace.as_ref().map(|n| n.value.as_str());
        // The accounts the input creates in the DaemonSet's namespace (an account without a
        // namespace lands wherever the DaemonSet does when both are applied together): in this
        // file, and in the other files of its folder.
        let here: Vec<&ServiceAccount> = cx.beside.rbac.service_accounts_in(namespace).collect();
        let beside: Vec<&ServiceAccount> = cx
            .beside
            .elsewhere
            .iter()
            .flat_map(|e| e.rbac.service_accounts_in(namespace))
            .collect();
        let created: Vec<&ServiceAccount> = here.iter().chain(&beside).copied().collect();
        match &pod.service_account {
            Some(account) => {
                if account.value == "default"
                    || created
                        .iter()
                        .any(|sa| name_of(sa) == Some(account.value.as_str()))
                {
                    return;
                }
                // This file's accounts are made for its DaemonSet. A folder may hold the
                // manifests of other agents of the namespace, whose accounts prove nothing
                // unless one is named like this one (`jaeger-agent` and the chart's
                // `release-name-jaeger-agent`).
                let related = |sa: &&ServiceAccount| {
                    name_of(sa).is_some_and(|n| {
                        account.value.ends_with(&format!("-{n}"))
                            || n.ends_with(&format!("-{}", account.value))
                    })
                };
                let compared: Vec<&ServiceAccount> = here
                    .iter()
                    .copied()
                    .chain(beside.iter().copied().filter(related))
                    .collect();
                if compared.is_empty() {
                    return;
                }
                let made: Vec<String> = compared
                    .iter()
                    .filter_map(|sa| name_of(sa))
                    .map(|n| format!("`{n}`"))
                    .collect();
                cx.report(
                    Diagnostic::new(
                        &META,
                        account.span,
                        format!(
                            "the pods run as service account `{}`, which the manifests beside \
                             the DaemonSet do not create (they create {}): until it exists, \
                             the API server rejects every pod",
                            account.value,
                            made.join(", ")
                        ),
                    )
                    .label("no such service account here")
                    .help(
                        "name the service account these manifests create and bind, or create \
                         this one; if another release creates it, suppress this with the reason",
                    ),
                );
            }
            None => {
                // An account named for the DaemonSet is the one made for it: its bindings
                // grant the agent its API access, and `default` has none of them.
                let Some(own) = ds.metadata.name.as_ref().and_then(|name| {
                    created
                        .iter()
                        .find(|sa| name_of(sa) == Some(name.value.as_str()))
                }) else {
                    return;
                };
                let own_name = name_of(own).unwrap_or_default();
                cx.report(
                    Diagnostic::new(
                        &META,
                        pod.key,
                        format!(
                            "the pod template sets no serviceAccountName, so the pods run as \
                             `default`, not as the service account `{own_name}` created beside \
                             the DaemonSet: whatever is bound to `{own_name}` never reaches the \
                             agent"
                        ),
                    )
                    .label("runs as `default`")
                    .help(format!("set `serviceAccountName: {own_name}`")),
                );
            }
        }
    }
}

fn name_of(sa: &ServiceAccount) -> Option<&str> {
    sa.metadata.name.as_ref().map(|n| n.value.as_str())
}

#[cfg(test)]
mod tests {
    use crate::rules::test_support::positions;

    const ACCOUNT: &str =
        "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: agent, namespace: ops}\n---\n";

    fn ds(pod: &str) -> String {
        format!(
            "{ACCOUNT}apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {{name: agent, namespace: ops}}\nspec:\n  selector: {{matchLabels: {{app: a}}}}\n  template:\n    metadata: {{labels: {{app: a}}}}\n    spec:\n{pod}      containers: [{{name: c, image: 'example.com/agent:1.0'}}]\n"
        )
    }

    #[test]
    fn accounts() {
        assert_eq!(
            positions(&ds("      serviceAccountName: release-agent\n"), "DS012"),
            ["13:27"]
        );
        assert!(positions(&ds("      serviceAccountName: agent\n"), "DS012").is_empty());
        assert!(positions(&ds("      serviceAccountName: default\n"), "DS012").is_empty());
        assert_eq!(positions(&ds(""), "DS012"), ["12:5"]);
        let alone = ds("      serviceAccountName: elsewhere\n").replace(ACCOUNT, "");
        assert!(
            positions(&alone, "DS012").is_empty(),
            "nothing to compare with"
        );
    }
}
