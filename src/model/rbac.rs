//! The RBAC objects in the same input as the DaemonSets, read only as far as the rules need
//! them: which cluster-wide roles a service account is bound to, what those roles allow, and
//! whether a service account's token is mounted. They are not validated.

use super::{ObjectMeta, Reader, Spanned};
use crate::source::{SourceFile, Span};
use crate::yaml::{Node, Value};

/// The built-in role that allows every verb on every resource (`rbac/bootstrappolicy`).
pub const CLUSTER_ADMIN: &str = "cluster-admin";

const RBAC_GROUP: &str = "rbac.authorization.k8s.io";

#[derive(Debug, Default)]
pub struct Rbac {
    pub cluster_role_bindings: Vec<ClusterRoleBinding>,
    pub cluster_roles: Vec<ClusterRole>,
    pub service_accounts: Vec<ServiceAccount>,
}

#[derive(Debug)]
pub struct ClusterRoleBinding {
    pub metadata: ObjectMeta,
    /// `roleRef.name`: a ClusterRoleBinding can refer to a ClusterRole only.
    pub role: Option<Spanned<String>>,
    pub subjects: Vec<Subject>,
}

#[derive(Debug)]
pub struct Subject {
    pub kind: String,
    pub name: String,
    pub namespace: Option<String>,
}

#[derive(Debug)]
pub struct ClusterRole {
    pub metadata: ObjectMeta,
    pub rules: Vec<PolicyRule>,
}

#[derive(Debug)]
pub struct PolicyRule {
    /// Its `verbs` key (or the rule, without one), for findings.
    pub at: Span,
    pub api_groups: Vec<String>,
    pub resources: Vec<String>,
    pub verbs: Vec<String>,
    /// `resourceNames`: when set, the rule covers only the named objects.
    pub resource_names: bool,
}

#[derive(Debug)]
pub struct ServiceAccount {
    pub metadata: ObjectMeta,
    pub automount_token: Option<bool>,
}

/// The RBAC objects of another file of the same folder, which is applied with the DaemonSet
/// (`kubectl apply -f FOLDER`). Findings cannot point into it, so they name it by line.
pub struct Elsewhere {
    pub source: SourceFile,
    pub rbac: Rbac,
}

impl Elsewhere {
    /// `file:line` of a span in this file, for messages.
    pub fn at(&self, span: Span) -> String {
        format!(
            "{}:{}",
            self.source.name,
            self.source.position(span.start).line
        )
    }
}

impl std::fmt::Debug for Elsewhere {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Elsewhere")
            .field("file", &self.source.name)
            .field("rbac", &self.rbac)
            .finish()
    }
}

/// What a cluster-wide grant lets its holder do beyond its own job, strongest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum AdminPower {
    /// Every verb on every core resource: it reads every Secret and starts pods as any
    /// service account.
    EveryCoreResource,
    /// `escalate` or `bind` on roles: it can grant itself any permission.
    GrantsItself,
    /// `impersonate` on users, groups or service accounts: it can act as anyone.
    Impersonates,
    /// `get` or `list` on every Secret: it reads the credentials of every workload.
    ReadsSecrets,
    /// `create` on pods, or `create`, `update` or `patch` on a controller of pods, in every
    /// namespace: it runs a pod as any service account of any namespace, with any Secret
    /// mounted (Kubernetes' RBAC good practices, "Workload creation").
    RunsWorkloads,
}

impl AdminPower {
    /// What `rule`, which gives this power, allows and what that means.
    pub fn describe(self, rule: &PolicyRule) -> String {
        let quoted = |items: &[String]| {
            let items: Vec<String> = items.iter().map(|i| format!("`{i}`")).collect();
            crate::prose::listed(&items.iter().map(String::as_str).collect::<Vec<_>>())
        };
        let allowed = format!(
            "allows {} on {}",
            quoted(&rule.verbs),
            quoted(&rule.resources)
        );
        match self {
            AdminPower::EveryCoreResource => format!(
                "{allowed} of the core API group, so it reads every Secret and can start a pod as \
                 any service account"
            ),
            AdminPower::GrantsItself => {
                format!("{allowed} of `{RBAC_GROUP}`, so it can grant itself any permission")
            }
            AdminPower::Impersonates => {
                format!("{allowed}, so it can act as any user or service account")
            }
            AdminPower::ReadsSecrets => format!(
                "{allowed} in every namespace, so it reads every workload's credentials and \
                 service account tokens"
            ),
            AdminPower::RunsWorkloads => format!(
                "{allowed} in every namespace, so it can run a pod as any service account of \
                 any namespace (`kube-system`'s included), with any Secret mounted"
            ),
        }
    }
}

impl PolicyRule {
    fn read(node: &Node, r: &mut Reader) -> PolicyRule {
        let list = |r: &mut Reader, key: &str| -> Vec<String> {
            r.string_list(node, key)
                .into_iter()
                .map(|s| s.value)
                .collect()
        };
        PolicyRule {
            at: node.entry("verbs").map_or(node.span, |e| e.key_span),
            api_groups: list(r, "apiGroups"),
            resources: list(r, "resources"),
            verbs: list(r, "verbs"),
            resource_names: !r.string_list(node, "resourceNames").is_empty(),
        }
    }

    fn covers(list: &[String], wanted: &[&str]) -> bool {
        list.iter()
            .any(|v| v == "*" || wanted.contains(&v.as_str()))
    }

    /// The admin power this rule gives, by the authorizer's matching (`RuleAllows`): `*`
    /// matches any verb, group or resource. A rule limited to named objects gives none.
    pub fn power(&self) -> Option<AdminPower> {
        if self.resource_names {
            return None;
        }
        let groups = |g: &[&str]| PolicyRule::covers(&self.api_groups, g);
        let verbs = |v: &[&str]| PolicyRule::covers(&self.verbs, v);
        let resources = |r: &[&str]| PolicyRule::covers(&self.resources, r);
        if groups(&[""])
            && self.verbs.iter().any(|v| v == "*")
            && self.resources.iter().any(|r| r == "*")
        {
            return Some(AdminPower::EveryCoreResource);
        }
        if groups(&[RBAC_GROUP])
            && verbs(&["escalate", "bind"])
            && resources(&["roles", "clusterroles"])
        {
            return Some(AdminPower::GrantsItself);
        }
        if groups(&[""])
            && verbs(&["impersonate"])
            && resources(&["users", "groups", "serviceaccounts"])
        {
            return Some(AdminPower::Impersonates);
        }
        if groups(&[""]) && verbs(&["get", "list"]) && resources(&["secrets"]) {
            return Some(AdminPower::ReadsSecrets);
        }
        let pods = groups(&[""]) && verbs(&["create"]) && resources(&["pods"]);
        let controllers = (groups(&["apps"])
            && resources(&["deployments", "daemonsets", "statefulsets", "replicasets"]))
            || (groups(&["batch"]) && resources(&["jobs", "cronjobs"]))
            || (groups(&[""]) && resources(&["replicationcontrollers"]));
        if pods || (controllers && verbs(&["create", "update", "patch"])) {
            return Some(AdminPower::RunsWorkloads);
        }
        None
    }
}

impl Subject {
    /// Whether this subject is, or takes in, the service account `name` of `namespace`
    /// (`None`: the namespace the objects are applied to, unknown here). Service accounts
    /// are also in the groups `system:serviceaccounts` and `system:serviceaccounts:NS`.
    pub fn includes(&self, name: &str, namespace: Option<&str>) -> bool {
        let same_namespace = |ns: Option<&str>| namespace.is_none() || ns == namespace;
        match self.kind.as_str() {
            "ServiceAccount" => self.name == name && same_namespace(self.namespace.as_deref()),
            "Group" => {
                self.name == "system:serviceaccounts"
                    || self
                        .name
                        .strip_prefix("system:serviceaccounts:")
                        .is_some_and(|ns| same_namespace(Some(ns)))
            }
            _ => false,
        }
    }
}

impl Rbac {
    /// Reads an object if it is one of the kinds kept here; `false` if it is not.
    pub fn read(&mut self, kind: &str, root: &Node) -> bool {
        let mut problems = Vec::new();
        let r = &mut Reader {
            problems: &mut problems,
        };
        let metadata = ObjectMeta::read(root, r);
        match kind {
            "ClusterRoleBinding" => {
                let role = r
                    .map(root, "roleRef")
                    .and_then(|e| r.string(&e.value, "name"));
                let subjects = r
                    .maps(root, "subjects")
                    .into_iter()
                    .map(|s| Subject {
                        kind: s.get("kind").and_then(Node::as_str).unwrap_or("").into(),
                        name: s.get("name").and_then(Node::as_str).unwrap_or("").into(),
                        namespace: s.get("namespace").and_then(Node::as_str).map(Into::into),
                    })
                    .collect();
                self.cluster_role_bindings.push(ClusterRoleBinding {
                    metadata,
                    role,
                    subjects,
                });
            }
            "ClusterRole" => {
                let rules = r
                    .maps(root, "rules")
                    .into_iter()
                    .map(|rule| PolicyRule::read(rule, r))
                    .collect();
                self.cluster_roles.push(ClusterRole { metadata, rules });
            }
            "ServiceAccount" => {
                let automount_token = match root.get("automountServiceAccountToken") {
                    Some(Node {
                        value: Value::Bool(b),
                        ..
                    }) => Some(*b),
                    _ => None,
                };
                self.service_accounts.push(ServiceAccount {
                    metadata,
                    automount_token,
                });
            }
            _ => return false,
        }
        true
    }

    pub fn cluster_role(&self, name: &str) -> Option<&ClusterRole> {
        self.cluster_roles
            .iter()
            .find(|role| role.metadata.name.as_ref().is_some_and(|n| n.value == name))
    }

    pub fn service_account(&self, name: &str, namespace: Option<&str>) -> Option<&ServiceAccount> {
        self.service_accounts_in(namespace)
            .find(|sa| sa.metadata.name.as_ref().is_some_and(|n| n.value == name))
    }

    /// The service accounts that land in `namespace` when applied with it: those of that
    /// namespace and those without one (either side unset matches).
    pub fn service_accounts_in<'a, 'n>(
        &'a self,
        namespace: Option<&'n str>,
    ) -> impl Iterator<Item = &'a ServiceAccount> + use<'a, 'n> {
        self.service_accounts.iter().filter(move |sa| {
            let theirs = sa.metadata.namespace.as_ref().map(|n| n.value.as_str());
            namespace.is_none() || theirs.is_none() || theirs == namespace
        })
    }

    /// The ClusterRoleBindings that bind the service account `name` of `namespace`.
    pub fn bindings_of<'a>(
        &'a self,
        name: &'a str,
        namespace: Option<&'a str>,
    ) -> impl Iterator<Item = &'a ClusterRoleBinding> {
        self.cluster_role_bindings
            .iter()
            .filter(move |b| b.subjects.iter().any(|s| s.includes(name, namespace)))
    }
}
