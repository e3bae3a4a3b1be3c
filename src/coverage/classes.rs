//! RuntimeClass and PriorityClass objects among the manifests: what admission adds to a
//! DaemonSet's pods (a RuntimeClass's pod overhead, nodeSelector and tolerations; a priority)
//! before the scheduler sees them.

use super::requests::{Resources, quantity_map};
use crate::model::{CLUSTER_CRITICAL, NODE_CRITICAL};
use crate::model::{Reader, Toleration};
use crate::source::SourceFile;
use crate::yaml::{Node as Yaml, ParseLimits, parse_stream};

/// `node.k8s.io/v1` RuntimeClass, as the RuntimeClass admission plugin applies it.
pub struct RuntimeClass {
    pub name: String,
    /// `overhead.podFixed`: added to the pod's requests by the scheduler's fit.
    pub overhead: Resources,
    /// `scheduling.nodeSelector`: merged into the pod's; a conflicting value rejects the pod.
    pub node_selector: Vec<(String, String)>,
    /// `scheduling.tolerations`: appended to the pod's, without duplicates.
    pub tolerations: Vec<Toleration>,
}

/// `scheduling.k8s.io/v1` PriorityClass.
pub struct PriorityClass {
    pub name: String,
    pub value: i64,
    pub global_default: bool,
}

#[derive(Default)]
pub struct Classes {
    pub runtime: Vec<RuntimeClass>,
    pub priority: Vec<PriorityClass>,
}

/// The classes every cluster has without a manifest (scheduling/v1's system classes).
const SYSTEM_PRIORITIES: &[(&str, i64)] = &[
    (NODE_CRITICAL, 2_000_001_000),
    (CLUSTER_CRITICAL, 2_000_000_000),
];

impl Classes {
    pub fn runtime(&self, name: &str) -> Option<&RuntimeClass> {
        self.runtime.iter().find(|c| c.name == name)
    }

    /// The priority of a pod naming `class` (or none), as the Priority admission plugin sets
    /// it; `None` when the class is neither given nor a system class.
    pub fn priority(&self, class: Option<&str>) -> Option<i64> {
        let Some(name) = class else {
            let default = self.priority.iter().find(|c| c.global_default);
            return Some(default.map_or(0, |c| c.value));
        };
        SYSTEM_PRIORITIES
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| *v)
            .or_else(|| {
                self.priority
                    .iter()
                    .find(|c| c.name == name)
                    .map(|c| c.value)
            })
    }

    /// Reads the classes of one manifest file; its DaemonSets are read by the loader.
    pub fn read(&mut self, source: &SourceFile, warnings: &mut Vec<String>) {
        // Most manifest files hold neither kind: skip parsing them a second time.
        if !source.text.contains("RuntimeClass") && !source.text.contains("PriorityClass") {
            return;
        }
        let outcome = parse_stream(&source.text, ParseLimits::default());
        let mut problems = Vec::new();
        for doc in &outcome.documents {
            for object in super::nodes::objects(doc) {
                let mut r = Reader {
                    problems: &mut problems,
                };
                match object.get("kind").and_then(Yaml::as_str) {
                    Some("RuntimeClass") => self.read_runtime(object, source, &mut r, warnings),
                    Some("PriorityClass") => self.read_priority(object, &mut r),
                    _ => {}
                }
            }
        }
        for p in problems {
            warnings.push(at(source, p.span.start, &p.message));
        }
    }

    fn read_runtime(
        &mut self,
        object: &Yaml,
        source: &SourceFile,
        r: &mut Reader,
        warnings: &mut Vec<String>,
    ) {
        let Some(name) = name(object, r) else { return };
        let overhead = r
            .map(object, "overhead")
            .and_then(|o| r.map(&o.value, "podFixed"))
            .map(|p| quantities(&p.value, &name, source, warnings))
            .unwrap_or_default();
        let scheduling = r.map(object, "scheduling").map(|e| &e.value);
        let node_selector = scheduling
            .map(|s| r.string_map(s, "nodeSelector"))
            .unwrap_or_default()
            .into_iter()
            .map(|p| p.value)
            .collect();
        let tolerations = scheduling
            .map(|s| r.maps(s, "tolerations"))
            .unwrap_or_default()
            .into_iter()
            .map(|t| toleration(t, r))
            .collect();
        self.runtime.push(RuntimeClass {
            name,
            overhead,
            node_selector,
            tolerations,
        });
    }

    fn read_priority(&mut self, object: &Yaml, r: &mut Reader) {
        let Some(name) = name(object, r) else { return };
        let value = r.int(object, "value").map_or(0, |v| v.value);
        let global_default = r.boolean(object, "globalDefault").is_some_and(|g| g.value);
        self.priority.push(PriorityClass {
            name,
            value,
            global_default,
        });
    }
}

fn name(object: &Yaml, r: &mut Reader) -> Option<String> {
    let meta = r.map(object, "metadata")?;
    r.string(&meta.value, "name").map(|n| n.value)
}

/// A toleration as the pod spec reads it: an empty operator is Equal.
fn toleration(t: &Yaml, r: &mut Reader) -> Toleration {
    let operator = r.string(t, "operator").map(|mut o| {
        if o.value.is_empty() {
            o.value = "Equal".to_owned();
        }
        o
    });
    Toleration {
        span: t.span,
        key: r.string(t, "key"),
        operator,
        value: r.string(t, "value"),
        effect: r.string(t, "effect"),
        toleration_seconds: r.int(t, "tolerationSeconds"),
    }
}

fn quantities(
    map: &Yaml,
    class: &str,
    source: &SourceFile,
    warnings: &mut Vec<String>,
) -> Resources {
    quantity_map(map, |offset, name, err| {
        warnings.push(at(
            source,
            offset,
            &format!("RuntimeClass `{class}`: overhead `{name}` {err}; it is not counted"),
        ));
    })
}

fn at(source: &SourceFile, offset: u32, message: &str) -> String {
    format!(
        "{}:{}: {message}",
        source.name,
        source.position(offset).line
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> (Classes, Vec<String>) {
        let mut classes = Classes::default();
        let mut warnings = Vec::new();
        classes.read(
            &SourceFile::new("c.yaml".into(), text.into()),
            &mut warnings,
        );
        (classes, warnings)
    }

    #[test]
    fn priorities_follow_the_admission_plugin() {
        let (classes, _) = read(
            "kind: PriorityClass\nmetadata: {name: agents}\nvalue: 5000\nglobalDefault: true\n---\nkind: PriorityClass\nmetadata: {name: batch}\nvalue: -10\n",
        );
        assert_eq!(classes.priority(None), Some(5000));
        assert_eq!(classes.priority(Some("batch")), Some(-10));
        assert_eq!(
            classes.priority(Some("system-node-critical")),
            Some(2_000_001_000)
        );
        assert_eq!(classes.priority(Some("missing")), None);
        assert_eq!(Classes::default().priority(None), Some(0));
    }

    #[test]
    fn a_bad_overhead_is_warned_about_with_its_line() {
        let (classes, warnings) = read(
            "apiVersion: node.k8s.io/v1\nkind: RuntimeClass\nmetadata: {name: kata}\nhandler: kata\noverhead:\n  podFixed:\n    cpu: 250m\n    memory: lots\n",
        );
        let kata = classes.runtime("kata").map(|c| c.overhead.len());
        assert_eq!(kata, Some(1));
        assert_eq!(warnings.len(), 1);
        assert!(
            warnings[0].starts_with("c.yaml:8: RuntimeClass `kata`: overhead `memory`"),
            "{warnings:?}"
        );
        // A JSON number is a quantity to the API, as it is in a node's allocatable.
        let (classes, warnings) = read(
            "apiVersion: node.k8s.io/v1\nkind: RuntimeClass\nmetadata: {name: kata}\nhandler: kata\noverhead:\n  podFixed: {cpu: 0.25}\n",
        );
        assert_eq!(classes.runtime("kata").map(|c| c.overhead.len()), Some(1));
        assert!(warnings.is_empty(), "{warnings:?}");
    }
}
