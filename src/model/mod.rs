//! The typed DaemonSet the rules read. Every field keeps its span (and its key's span), so a
//! rule can point at a value, or at the parent when a field is missing.

mod container;
mod daemonset;
pub mod fields;
pub mod image_reference;
mod int_or_percent;
mod placement;
mod pod;
pub mod profile;
mod quantity;
pub mod rbac;
mod reader;
mod service;
pub mod taint;
pub mod toleration;

pub use container::{
    Arg, Capabilities, Container, ContainerPort, LINUX_CAPABILITIES, PortRef, Probe, ResourceList,
    ResourceQuantity, Resources, VolumeMount, image_name, image_path, split_registry, tag,
    untagged,
};
pub use daemonset::{
    DaemonSet, FluentBitGrace, LabelSelector, MountedFile, ObjectMeta, Requirement, RollingUpdate,
    UpdateStrategy, config_settings,
};
pub use int_or_percent::IntOrPercent;
pub use placement::{CONTROL_PLANE, MASTER, NodeRequirement, OS};
pub use pod::{CLUSTER_CRITICAL, HostPathVolume, NODE_CRITICAL, PodSpec, PodTemplate, Toleration};
pub use quantity::{Quantity, QuantityError};
pub use reader::{Reader, whole_number};
pub use service::Service;

/// The objects in the same input as the DaemonSets that some rules read: Services, which
/// decide whether a pod's readiness routes traffic, and RBAC, which decides what the pods'
/// token can do.
#[derive(Debug, Default)]
pub struct Beside {
    pub services: Vec<Service>,
    pub rbac: rbac::Rbac,
    /// RBAC objects in the other files of the same folder, when a folder is linted.
    pub elsewhere: Vec<std::sync::Arc<rbac::Elsewhere>>,
    /// Whether the input lies in a folder that kustomize layouts keep bases in (`base`, or
    /// kubebuilder's `config`): its images are names the overlays' `images:` replace.
    pub in_base: bool,
    /// Whether the input lies in a folder named for a managed Kubernetes service (`GKE`,
    /// `aks-periscope`, `eks-addons`): its manifests are written for clusters whose control
    /// plane runs off the cluster's nodes.
    pub in_managed_folder: bool,
}

/// Whether a file's path (relative) runs through a folder named for GKE, EKS or AKS.
pub fn in_managed_folder(relative: &str) -> bool {
    let mut folders = relative.split(['/', '\\']).rev().skip(1);
    folders.any(|f| {
        f.to_ascii_lowercase()
            .split(['-', '_', '.', ' '])
            .any(|w| matches!(w, "gke" | "eks" | "aks"))
    })
}

/// Whether a file's path (relative, `/`-separated) runs through a kustomize base folder.
pub fn in_base(relative: &str) -> bool {
    let mut folders = relative.split(['/', '\\']).rev().skip(1);
    folders.any(|f| f == "base" || f == "bases" || f == "config")
}

use crate::source::Span;
use crate::yaml::Entry;

/// A value with the span of the value and of the key it was found under.
#[derive(Clone, Debug, PartialEq)]
pub struct Spanned<T> {
    pub value: T,
    pub span: Span,
    pub key: Span,
}

impl<T> Spanned<T> {
    pub fn new(value: T, entry: &Entry) -> Spanned<T> {
        Spanned {
            value,
            span: entry.value.span,
            key: entry.key_span,
        }
    }

    /// From the key through the value: `key: value`.
    pub fn whole(&self) -> Span {
        self.key.to(self.span)
    }
}

/// A field of the wrong type or a required field that is missing (reported as DS002).
#[derive(Clone, Debug)]
pub struct Problem {
    pub span: Span,
    pub message: String,
    /// What to do, where the general advice (the API server rejects the object) is wrong.
    pub help: Option<String>,
}

/// A `key: value` pair of a string map (labels, nodeSelector).
pub type Pair = Spanned<(String, String)>;

#[cfg(test)]
mod tests {
    #[test]
    fn base_folders() {
        for path in [
            "config/manager/manager.yaml",
            "deploy/base/ds.yaml",
            "bases\\ds.yaml",
        ] {
            assert!(super::in_base(path), "{path}");
        }
        for path in ["deploy/ds.yaml", "base.yaml", "configs/ds.yaml", "-"] {
            assert!(!super::in_base(path), "{path}");
        }
    }
}
