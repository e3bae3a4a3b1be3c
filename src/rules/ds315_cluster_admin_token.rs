use crate::diagnostic::{Diagnostic, RuleMeta, Severity};
use crate::engine::{Context, Rule};
use crate::model::DaemonSet;
use crate::model::rbac::{AdminPower, CLUSTER_ADMIN, Elsewhere, Rbac};
use crate::source::Span;

pub static META: RuleMeta = RuleMeta {
    code: "DS315",
    name: "cluster-admin-token",
    severity: Severity::Warning,
    summary: "The pods' service account is bound cluster-wide to `cluster-admin` or a role as \
              strong: every node holds a token that can take over the cluster",
    doc: include_str!("../../rules/DS315.md"),
};

pub struct ClusterAdminToken;

impl Rule for ClusterAdminToken {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ds: &DaemonSet, cx: &mut Context) {
        let Some(pod) = ds.pod() else { return };
        let rbac = &cx.beside.rbac;
        let account = pod.service_account.as_ref();
        let name = account.map_or("default", |a| a.value.as_str());
        let namespace = ds.metadata.namespace.as_ref().map(|n| n.value.as_str());
        // This file's objects first, then those of the other files in its folder.
        let files: Vec<(&Rbac, Option<&Elsewhere>)> = std::iter::once((rbac, None))
            .chain(cx.beside.elsewhere.iter().map(|e| (&e.rbac, Some(&**e))))
            .collect();
        let mounted = match &pod.automount_token {
            Some(automount) => automount.value,
            None => files
                .iter()
                .find_map(|(rbac, _)| rbac.service_account(name, namespace))
                .and_then(|sa| sa.automount_token)
                .unwrap_or(true),
        };
        // Control-plane nodes already hold admin credentials (kubeadm's admin.conf, the
        // controller-manager's), so a token there adds nothing an attacker lacks.
        let control_plane_only = pod.only_on_nodes(|r| r.selects_control_plane());
        if !mounted || control_plane_only {
            return;
        }
        let mut bindings = files
            .iter()
            .flat_map(|(rbac, file)| rbac.bindings_of(name, namespace).map(move |b| (b, *file)));
        let Some((at, grant, power)) = bindings.find_map(|(binding, binding_file)| {
            let role = binding.role.as_ref()?;
            let binding_name = binding
                .metadata
                .name
                .as_ref()
                .map_or("<unnamed>", |n| n.value.as_str());
            if role.value == CLUSTER_ADMIN {
                let whose = format!(
                    "ClusterRoleBinding `{binding_name}`{}",
                    located(binding_file, role.span)
                );
                return Some((
                    binding_file.is_none().then_some(role.span),
                    format!("is bound to `{CLUSTER_ADMIN}` by {whose}"),
                    None,
                ));
            }
            let (role_file, rule, power) = files.iter().find_map(|(rbac, file)| {
                let (rule, power) = rbac
                    .cluster_role(&role.value)?
                    .rules
                    .iter()
                    .filter_map(|rule| Some((rule, rule.power()?)))
                    .min_by_key(|(_, power)| *power)?;
                Some((*file, rule, power))
            })?;
            Some((
                role_file.is_none().then_some(rule.at),
                format!(
                    "is bound by ClusterRoleBinding `{binding_name}`{} to ClusterRole `{}`{}, \
                     which {}",
                    located(binding_file, role.span),
                    role.value,
                    located(role_file, rule.at),
                    power.describe(rule)
                ),
                Some(power),
            ))
        }) else {
            return;
        };
        // A grant in another file is reported at the pods' service account, in this one.
        let elsewhere = at.is_none();
        let at = at.unwrap_or_else(|| account.map_or(pod.key, |a| a.span));
        let named = account.map(|a| a.span).filter(|s| *s != at);
        cx.report(finding(name, &grant, at, named, elsewhere, power));
    }
}

/// ` (in FILE:LINE)` for an object of another file, nothing for one of this file.
fn located(file: Option<&Elsewhere>, span: Span) -> String {
    file.map_or(String::new(), |f| format!(" (in {})", f.at(span)))
}

fn finding(
    account: &str,
    grant: &str,
    at: Span,
    named: Option<Span>,
    elsewhere: bool,
    power: Option<AdminPower>,
) -> Diagnostic {
    let (gains, label) = if power == Some(AdminPower::ReadsSecrets) {
        (
            "holds every credential the cluster keeps in Secrets",
            "reads every Secret",
        )
    } else {
        ("controls the whole cluster", "cluster-wide admin power")
    };
    let mut d = Diagnostic::new(
        &META,
        at,
        format!(
            "the pods' service account `{account}` {grant}: every node the DaemonSet runs on \
             holds its token, so whoever takes over one of them, or the agent, {gains}"
        ),
    )
    .label(if elsewhere {
        format!("its token: {label}")
    } else {
        label.to_owned()
    })
    .help(if power == Some(AdminPower::RunsWorkloads) {
        "limit the rule to the objects the agent manages, with `resourceNames` (an agent that \
         restarts itself patches only its own DaemonSet), or grant it in the agent's namespace \
         with a Role and RoleBinding; if it never calls the API, set \
         `automountServiceAccountToken: false` in the pod template"
    } else {
        "bind a ClusterRole of the agent's own that lists the verbs and resources it uses (a \
         metrics agent reads `nodes/stats`, `nodes/metrics` and `pods`); if it never calls the \
         API, set `automountServiceAccountToken: false` in the pod template"
    });
    if let Some(span) = named {
        d = d.related(span, "the pods run as this service account");
    }
    d
}
