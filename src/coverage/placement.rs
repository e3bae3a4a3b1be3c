//! Whether the DaemonSet controller creates a pod for a node: `NodeShouldRunDaemonPod`
//! (pkg/controller/daemon) checks the nodeSelector and required node affinity
//! (component-helpers' nodeaffinity) and the NoSchedule and NoExecute taints against the pod's
//! tolerations plus the ones the controller adds. PreferNoSchedule only steers scoring.

use std::collections::BTreeMap;

use super::classes::RuntimeClass;
use super::{Cause, Miss};
use crate::model::taint::Taint;
use crate::model::toleration::DaemonPodTolerations;
use crate::model::{PodSpec, Requirement, Spanned};

/// The node as the decision sees it.
pub struct NodeView<'a> {
    pub name: &'a str,
    pub labels: &'a BTreeMap<String, String>,
    pub taints: &'a [Taint],
}

/// `None` when the controller places a pod on the node. `runtime` is the pod's RuntimeClass,
/// whose nodeSelector admission merges into the pod's (its tolerations are in `tolerations`).
pub fn decide(
    pod: &PodSpec,
    runtime: Option<&RuntimeClass>,
    tolerations: &DaemonPodTolerations,
    node: &NodeView,
) -> Option<Miss> {
    let mut selector = selector_misses(pod, node.labels);
    selector.extend(
        runtime
            .into_iter()
            .flat_map(|rc| runtime_misses(rc, node.labels)),
    );
    let affinity = affinity_miss(pod, node);
    if !selector.is_empty() || affinity.is_some() {
        let cause = if selector.is_empty() {
            Cause::Affinity
        } else {
            Cause::Selector
        };
        let reasons = selector.into_iter().chain(affinity).collect();
        return Some(Miss { cause, reasons });
    }
    let reasons: Vec<String> = node
        .taints
        .iter()
        .filter(|t| matches!(t.effect.as_str(), "NoSchedule" | "NoExecute"))
        .filter_map(|t| taint_miss(t, tolerations))
        .collect();
    (!reasons.is_empty()).then_some(Miss {
        cause: Cause::Taint,
        reasons,
    })
}

/// An untolerated taint, or a NoExecute taint tolerated only for a while: the controller
/// creates the pod, the taint manager evicts it after that many seconds, and round it goes.
fn taint_miss(taint: &Taint, tolerations: &DaemonPodTolerations) -> Option<String> {
    if !tolerations.tolerate(taint) {
        return Some(format!("taint {taint} is not tolerated"));
    }
    if taint.effect != "NoExecute" {
        return None;
    }
    let seconds = tolerations.eviction_after(taint)?;
    Some(format!(
        "taint {taint} is tolerated for only {seconds}s: the pod is evicted, recreated and evicted again"
    ))
}

fn has(labels: &BTreeMap<String, String>, key: &str) -> String {
    match labels.get(key) {
        Some(value) if value.is_empty() => format!("the node has the {key} label"),
        Some(value) => format!("the node has {key}={value}"),
        None => format!("the node has no {key} label"),
    }
}

/// Every nodeSelector entry must equal the node's label.
fn selector_misses(pod: &PodSpec, labels: &BTreeMap<String, String>) -> Vec<String> {
    pod.node_selector
        .iter()
        .filter(|pair| labels.get(&pair.value.0) != Some(&pair.value.1))
        .map(|pair| {
            let (key, value) = &pair.value;
            format!("nodeSelector {key}={value}: {}", has(labels, key))
        })
        .collect()
}

fn runtime_misses<'a>(
    rc: &'a RuntimeClass,
    labels: &'a BTreeMap<String, String>,
) -> impl Iterator<Item = String> + 'a {
    rc.node_selector
        .iter()
        .filter(|(key, value)| labels.get(key) != Some(value))
        .map(|(key, value)| {
            format!(
                "nodeSelector {key}={value} of RuntimeClass `{}`: {}",
                rc.name,
                has(labels, key)
            )
        })
}

/// Terms are ORed; within a term every expression and field must match. A term with neither
/// matches nothing, and a term with an invalid requirement is dropped, as the matcher does.
fn affinity_miss(pod: &PodSpec, node: &NodeView) -> Option<String> {
    let terms = &pod.required_node_terms;
    if terms.is_empty() {
        return None;
    }
    let no_fields = Vec::new();
    let mut failures = Vec::new();
    for (i, expressions) in terms.iter().enumerate() {
        let fields = pod.required_node_fields.get(i).unwrap_or(&no_fields);
        match term_failure(expressions, fields, node) {
            None => return None,
            Some(why) => failures.push(why),
        }
    }
    Some(if let [only] = &failures[..] {
        format!("node affinity {only}")
    } else {
        format!("node affinity: no term matches ({})", failures.join("; "))
    })
}

fn term_failure(
    expressions: &[Requirement],
    fields: &[Requirement],
    node: &NodeView,
) -> Option<String> {
    if expressions.is_empty() && fields.is_empty() {
        return Some("has an empty term, which matches no node".to_owned());
    }
    for r in expressions {
        let (key, operator, values) = parts(r);
        let shown = show(key, operator, &values);
        match label_matches(operator, &values, node.labels.get(key).map(String::as_str)) {
            Ok(true) => {}
            Ok(false) => return Some(format!("{shown}: {}", has(node.labels, key))),
            Err(e) => {
                return Some(format!(
                    "{shown} is invalid ({e}), so its term matches nothing"
                ));
            }
        }
    }
    for r in fields {
        let (key, operator, values) = parts(r);
        let shown = show(key, operator, &values);
        match field_matches(key, operator, &values, node.name) {
            Ok(true) => {}
            Ok(false) => return Some(format!("{shown}: the node is {}", node.name)),
            Err(e) => {
                return Some(format!(
                    "{shown} is invalid ({e}), so its term matches nothing"
                ));
            }
        }
    }
    None
}

fn text(field: &Option<Spanned<String>>) -> &str {
    field.as_ref().map_or("", |s| s.value.as_str())
}

fn parts(r: &Requirement) -> (&str, &str, Vec<&str>) {
    let values = r.values.iter().map(|v| v.value.as_str()).collect();
    (text(&r.key), text(&r.operator), values)
}

fn show(key: &str, operator: &str, values: &[&str]) -> String {
    if values.is_empty() {
        format!("{key} {operator}")
    } else {
        format!("{key} {operator} [{}]", values.join(", "))
    }
}

/// `nodeSelectorRequirementsAsSelector` followed by the label selector's `Matches`.
fn label_matches(operator: &str, values: &[&str], actual: Option<&str>) -> Result<bool, String> {
    match operator {
        "In" | "NotIn" if values.is_empty() => Err(format!("{operator} needs values")),
        "In" => Ok(actual.is_some_and(|a| values.contains(&a))),
        "NotIn" => Ok(actual.is_none_or(|a| !values.contains(&a))),
        "Exists" | "DoesNotExist" if !values.is_empty() => {
            Err(format!("{operator} takes no values"))
        }
        "Exists" => Ok(actual.is_some()),
        "DoesNotExist" => Ok(actual.is_none()),
        "Gt" | "Lt" => {
            let bound = match values {
                [one] => one
                    .parse::<i64>()
                    .map_err(|_| format!("{operator} needs an integer, not `{one}`"))?,
                _ => return Err(format!("{operator} needs exactly one value")),
            };
            // A label that is absent or not an integer never matches.
            let Some(actual) = actual.and_then(|a| a.parse::<i64>().ok()) else {
                return Ok(false);
            };
            Ok(if operator == "Gt" {
                actual > bound
            } else {
                actual < bound
            })
        }
        "" => Err("no operator".to_owned()),
        other => Err(format!("unknown operator `{other}`")),
    }
}

/// `matchFields` supports only `metadata.name` with In or NotIn and exactly one value.
fn field_matches(key: &str, operator: &str, values: &[&str], name: &str) -> Result<bool, String> {
    if key != "metadata.name" {
        return Err(format!(
            "`{key}` is not a node field; only metadata.name is"
        ));
    }
    let [value] = values else {
        return Err("a field requirement needs exactly one value".to_owned());
    };
    match operator {
        "In" => Ok(name == *value),
        "NotIn" => Ok(name != *value),
        other => Err(format!("fields take In or NotIn, not `{other}`")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_operators_follow_the_selector_rules() {
        assert_eq!(label_matches("In", &["a", "b"], Some("b")), Ok(true));
        assert_eq!(label_matches("In", &["a"], None), Ok(false));
        assert_eq!(label_matches("NotIn", &["a"], None), Ok(true));
        assert_eq!(label_matches("NotIn", &["a"], Some("a")), Ok(false));
        assert_eq!(label_matches("Exists", &[], Some("")), Ok(true));
        assert_eq!(label_matches("DoesNotExist", &[], Some("")), Ok(false));
        assert_eq!(label_matches("Gt", &["4"], Some("8")), Ok(true));
        assert_eq!(label_matches("Gt", &["4"], Some("4")), Ok(false));
        assert_eq!(label_matches("Lt", &["4"], Some("3")), Ok(true));
        assert_eq!(label_matches("Lt", &["4"], Some("x")), Ok(false));
        assert_eq!(label_matches("Lt", &["4"], None), Ok(false));
        assert!(label_matches("Gt", &["four"], Some("8")).is_err());
        assert!(label_matches("In", &[], Some("a")).is_err());
        assert!(label_matches("Exists", &["a"], Some("a")).is_err());
        assert!(label_matches("in", &["a"], Some("a")).is_err());
    }

    fn pod(spec: &str) -> PodSpec {
        super::super::test_pod(&format!(
            "{spec}      containers: [{{name: c, image: i}}]
"
        ))
    }

    fn reasons(spec: &str, taints: &[&str]) -> Vec<String> {
        let p = pod(spec);
        let tolerations = DaemonPodTolerations::of(&p);
        let taints: Vec<Taint> = taints
            .iter()
            .map(|t| Taint::parse(t).unwrap_or_else(|e| panic!("{e}")))
            .collect();
        let labels = BTreeMap::new();
        let node = NodeView {
            name: "n",
            labels: &labels,
            taints: &taints,
        };
        decide(&p, None, &tolerations, &node).map_or_else(Vec::new, |m| m.reasons)
    }

    #[test]
    fn taints_block_unless_tolerated_for_good() {
        let evicting = "      tolerations:\n      - {key: dedicated, operator: Exists, effect: NoExecute, tolerationSeconds: 30}\n";
        assert_eq!(
            reasons(
                evicting,
                &["dedicated=db:NoExecute", "spot:PreferNoSchedule"]
            ),
            vec![
                "taint dedicated=db:NoExecute is tolerated for only 30s: the pod is evicted, recreated and evicted again"
            ]
        );
        assert_eq!(
            reasons(
                "",
                &[
                    "node.kubernetes.io/unschedulable:NoSchedule",
                    "gpu:NoSchedule"
                ]
            ),
            vec!["taint gpu:NoSchedule is not tolerated"]
        );
        assert!(
            reasons(
                "      tolerations: [{operator: Exists}]\n",
                &["gpu:NoSchedule", "x=y:NoExecute"]
            )
            .is_empty()
        );
    }

    #[test]
    fn fields_match_the_node_name_only() {
        assert_eq!(
            field_matches("metadata.name", "In", &["n1"], "n1"),
            Ok(true)
        );
        assert_eq!(
            field_matches("metadata.name", "NotIn", &["n1"], "n1"),
            Ok(false)
        );
        assert!(field_matches("metadata.name", "In", &["n1", "n2"], "n1").is_err());
        assert!(field_matches("spec.unschedulable", "In", &["true"], "n1").is_err());
    }
}
