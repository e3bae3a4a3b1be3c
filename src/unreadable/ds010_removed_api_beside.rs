use crate::diagnostic::{Diagnostic, RuleMeta, Severity};
use crate::source::Span;
use crate::yaml::Node;

pub static META: RuleMeta = RuleMeta {
    code: "DS010",
    name: "removed-api-beside",
    severity: Severity::Error,
    summary: "An object shipped with the DaemonSet (its RBAC, priority class, PSP) uses an API \
              version Kubernetes no longer serves: applying it fails, and the agent runs without it",
    doc: include_str!("../../rules/DS010.md"),
};

/// Kinds that ship beside node agents, the API versions of theirs that Kubernetes stopped
/// serving, the release that stopped, and the version to use instead (`None` when the kind
/// itself is gone).
const REMOVED: &[(&str, &str, &str, Option<&str>)] = &[
    (
        "ClusterRole",
        "rbac.authorization.k8s.io/v1beta1",
        "1.22",
        Some("rbac.authorization.k8s.io/v1"),
    ),
    (
        "ClusterRoleBinding",
        "rbac.authorization.k8s.io/v1beta1",
        "1.22",
        Some("rbac.authorization.k8s.io/v1"),
    ),
    (
        "Role",
        "rbac.authorization.k8s.io/v1beta1",
        "1.22",
        Some("rbac.authorization.k8s.io/v1"),
    ),
    (
        "RoleBinding",
        "rbac.authorization.k8s.io/v1beta1",
        "1.22",
        Some("rbac.authorization.k8s.io/v1"),
    ),
    (
        "PriorityClass",
        "scheduling.k8s.io/v1beta1",
        "1.22",
        Some("scheduling.k8s.io/v1"),
    ),
    (
        "PriorityClass",
        "scheduling.k8s.io/v1alpha1",
        "1.22",
        Some("scheduling.k8s.io/v1"),
    ),
    (
        "CSIDriver",
        "storage.k8s.io/v1beta1",
        "1.22",
        Some("storage.k8s.io/v1"),
    ),
    (
        "StorageClass",
        "storage.k8s.io/v1beta1",
        "1.22",
        Some("storage.k8s.io/v1"),
    ),
    (
        "CustomResourceDefinition",
        "apiextensions.k8s.io/v1beta1",
        "1.22",
        Some("apiextensions.k8s.io/v1"),
    ),
    (
        "PodDisruptionBudget",
        "policy/v1beta1",
        "1.25",
        Some("policy/v1"),
    ),
    ("PodSecurityPolicy", "policy/v1beta1", "1.25", None),
    ("PodSecurityPolicy", "extensions/v1beta1", "1.16", None),
];

/// An object in an API version Kubernetes no longer serves.
pub struct Removed {
    kind: String,
    name: Option<String>,
    version: String,
    release: &'static str,
    instead: Option<&'static str>,
    at: Span,
}

/// `node`, if it is an object of a kind shipped beside node agents in a removed API version.
pub fn removed(node: &Node) -> Option<Removed> {
    let kind = node.get("kind").and_then(Node::as_str)?;
    let api = node.get("apiVersion")?;
    let version = api.as_str()?;
    let (_, _, release, instead) = REMOVED
        .iter()
        .find(|(k, v, _, _)| *k == kind && *v == version)?;
    Some(Removed {
        kind: kind.to_owned(),
        name: node
            .get("metadata")
            .and_then(|m| m.get("name"))
            .and_then(Node::as_str)
            .map(str::to_owned),
        version: version.to_owned(),
        release,
        instead: *instead,
        at: api.span,
    })
}

impl Removed {
    fn describe(&self) -> String {
        match &self.name {
            Some(n) => format!("{} `{n}`", self.kind),
            None => self.kind.clone(),
        }
    }
}

/// One finding for an input's objects in removed API versions, at the first, naming the
/// others: they share one cause and one kind of fix, and reviewers read one finding per
/// object as the same point repeated.
pub fn diagnostic(objects: &[Removed], daemonset_served: bool) -> Option<Diagnostic> {
    let (first, rest) = objects.split_first()?;
    let message = if rest.is_empty() {
        let consequence = if first.instead.is_none() {
            " (the kind went with it, so the object does nothing on a current cluster)"
        } else if daemonset_served {
            ", and the DaemonSet beside it runs without it"
        } else {
            " (the DaemonSet's own API version is gone too: DS007)"
        };
        format!(
            "{} uses `{}`, which Kubernetes stopped serving in {}: `kubectl apply` fails on \
             it (\"no matches for kind\"){consequence}",
            first.describe(),
            first.version,
            first.release
        )
    } else {
        let mut versions: Vec<String> = Vec::new();
        for o in objects {
            let v = format!("`{}` since {}", o.version, o.release);
            if !versions.contains(&v) {
                versions.push(v);
            }
        }
        format!(
            "{} and {} more object{} shipped with the DaemonSet use API versions Kubernetes no \
             longer serves ({}): `kubectl apply` fails on them (\"no matches for kind\"){}",
            first.describe(),
            rest.len(),
            if rest.len() == 1 { "" } else { "s" },
            versions.join(", "),
            if daemonset_served {
                ", and the DaemonSet runs without them"
            } else {
                ", as on the DaemonSet's own API version (DS007)"
            }
        )
    };
    let mut steps: Vec<String> = Vec::new();
    for o in objects {
        let step = match o.instead {
            Some(v) => format!("use `{v}` in place of `{}`", o.version),
            None => format!(
                "remove the {}: the kind is gone (Pod Security admission's namespace labels \
                 replace it)",
                o.kind
            ),
        };
        if !steps.contains(&step) {
            steps.push(step);
        }
    }
    let moved: Vec<&Removed> = objects.iter().filter(|o| o.instead.is_some()).collect();
    let fields = if moved.is_empty() {
        ""
    } else if moved.iter().all(|o| o.version.starts_with("rbac.")) {
        " (the RBAC fields are the same)"
    } else {
        ", checking the fields against the new version's schema"
    };
    // An object whose kind is gone (PodSecurityPolicy) fails to apply, but the DaemonSet loses
    // nothing by it (review 54 W8 and W21).
    let severity = if objects.iter().all(|o| o.instead.is_none()) {
        Severity::Warning
    } else {
        Severity::Error
    };
    let mut d = Diagnostic::new(&META, first.at, message)
        .severity(severity)
        .label(format!("not served since {}", first.release))
        .help(format!("{}{fields}", steps.join("; ")));
    for o in rest {
        d = d.related(
            o.at,
            format!(
                "{} in `{}`, not served since {}",
                o.describe(),
                o.version,
                o.release
            ),
        );
    }
    Some(d)
}
