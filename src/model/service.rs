//! The Services in the same input as the DaemonSets, read only as far as the rules need them:
//! which pods they send traffic to, and on which ports. They are not validated.

use super::{ObjectMeta, Pair, PortRef, Reader, Spanned};
use crate::yaml::{Node, Value};

#[derive(Debug)]
pub struct Service {
    pub metadata: ObjectMeta,
    /// `spec.selector`: empty for a Service without one, whose endpoints are managed by hand.
    pub selector: Vec<Pair>,
    /// Where traffic goes in the pod: `targetPort`, or `port` when it is not set.
    pub target_ports: Vec<Spanned<PortRef>>,
    /// `clusterIP: None`: DNS names for discovery (or scraping), no load-balanced traffic.
    pub headless: bool,
    /// `publishNotReadyAddresses: true`: pods get traffic whether they are ready or not.
    pub publish_not_ready: bool,
}

impl Service {
    /// Reads a Service leniently: a field of the wrong type is left out, not reported.
    pub fn read(root: &Node) -> Service {
        let mut problems = Vec::new();
        let r = &mut Reader {
            problems: &mut problems,
        };
        let metadata = ObjectMeta::read(root, r);
        let spec = root.get("spec");
        let selector = spec
            .map(|s| r.string_map(s, "selector"))
            .unwrap_or_default();
        let target_ports = spec
            .map(|s| r.maps(s, "ports"))
            .unwrap_or_default()
            .into_iter()
            .filter_map(|p| PortRef::read(p.entry("targetPort").or_else(|| p.entry("port"))?))
            .collect();
        let headless = spec
            .and_then(|s| s.get("clusterIP"))
            .and_then(Node::as_str)
            .is_some_and(|ip| ip == "None");
        let publish_not_ready = spec
            .and_then(|s| s.get("publishNotReadyAddresses"))
            .is_some_and(|v| matches!(v.value, Value::Bool(true)));
        Service {
            metadata,
            selector,
            target_ports,
            headless,
            publish_not_ready,
        }
    }

    /// Whether the Service selects pods with these labels in this namespace (an absent
    /// namespace is the same one for both: they are applied together).
    pub fn selects(&self, namespace: Option<&str>, labels: &[Pair]) -> bool {
        let own = self.metadata.namespace.as_ref().map(|n| n.value.as_str());
        let same = own.is_none() || namespace.is_none() || own == namespace;
        same && !self.selector.is_empty()
            && self
                .selector
                .iter()
                .all(|s| labels.iter().any(|l| l.value == s.value))
    }

    /// The Service's name as written, for messages.
    pub fn name(&self) -> &str {
        self.metadata
            .name
            .as_ref()
            .map_or("<unnamed>", |n| n.value.as_str())
    }
}
