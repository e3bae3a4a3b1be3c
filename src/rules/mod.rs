//! Every rule, one file each, named by code: `ds003_selector_mismatch.rs` holds DS003's
//! metadata, logic and unit tests; `rules/DS003.md` is its page.

use crate::diagnostic::{Diagnostic, RuleMeta, Severity};
use crate::did_you_mean::suggest;
use crate::engine::{Context, Rule};
use crate::model::{Container, DaemonSet};
use crate::prose::listed;

pub use crate::unreadable::{
    ds001_yaml_syntax, ds002_invalid_structure, ds009_unrendered_template, ds010_removed_api_beside,
};
pub mod ds003_selector_mismatch;
pub mod ds004_invalid_value;
pub mod ds005_invalid_quantity;
pub mod ds006_requests_exceed_limits;
pub mod ds007_removed_api_version;
pub mod ds008_dangling_reference;
pub mod ds011_invalid_image_reference;
pub mod ds012_unknown_service_account;
pub mod ds013_hugepages_volume_without_request;
pub mod ds101_missing_requests;
pub mod ds102_missing_limits;
pub mod ds103_not_guaranteed_qos;
pub mod ds104_low_memory_limit;
pub mod ds105_implausible_quantity;
pub mod ds201_missing_control_plane_toleration;
pub mod ds202_not_ready_toleration;
pub mod ds203_missing_required_toleration;
pub mod ds204_missing_gpu_toleration;
pub mod ds205_cni_not_ready_toleration;
pub mod ds301_writable_host_path;
pub mod ds302_runtime_socket_mount;
pub mod ds303_privileged_container;
pub mod ds304_capabilities_not_dropped;
pub mod ds305_dangerous_capability;
pub mod ds306_privilege_escalation_allowed;
pub mod ds307_host_namespace;
pub mod ds308_writable_root_filesystem;
pub mod ds309_untyped_socket_host_path;
pub mod ds310_secret_in_env;
pub mod ds311_required_socket_may_be_missing;
pub mod ds312_unpropagated_csi_mount;
pub mod ds313_unregistered_csi_driver;
pub mod ds314_ignored_profile_annotation;
pub mod ds315_cluster_admin_token;
pub mod ds401_on_delete_update;
pub mod ds402_max_unavailable_too_high;
pub mod ds403_surge_port_conflict;
pub mod ds404_short_termination_grace;
pub mod ds405_selector_pins_version;
pub mod ds501_missing_priority_class;
pub mod ds601_missing_liveness_probe;
pub mod ds602_missing_readiness_probe;
pub mod ds603_short_liveness_delay;
pub mod ds604_low_failure_threshold;
pub mod ds701_missing_os_selector;
pub mod ds702_unconstrained_gpu_agent;
pub mod ds703_deprecated_node_label;
pub mod ds704_unconstrained_device_request;
pub mod ds705_required_host_path_may_be_missing;
pub mod ds706_single_architecture_image;
pub mod ds707_created_host_path_not_writable;
pub mod ds708_pinned_to_named_nodes;
pub mod ds801_mutable_image_tag;
pub mod ds802_package_install_at_start;
pub mod ds803_container_exits_at_once;
pub mod ds804_exporter_not_pointed_at_host;
pub mod ds805_pod_network_sysctl;
pub mod ds806_unexpanded_variable;
pub mod ds807_image_never_pulled;
pub mod ds808_init_container_parks;
pub mod ds809_unpublished_bare_image;
pub mod ds810_removed_image;
pub mod ds811_prefixed_capability;
pub mod ds812_mount_inside_proc;
pub mod ds813_unknown_capability;
pub mod ds814_capability_never_held;
pub mod ds901_unused_suppression;
pub mod ds902_suppression_without_reason;

mod ds004_metadata;
mod ds004_ports;
mod ds004_resources;
mod hardening;
pub(crate) mod host_paths;
mod k8s_names;
mod probes;

/// Whether a finding says the API server refuses the object as a whole (DS003 without a
/// selector, DS007), left an error by the config.
pub fn refuses_object(d: &Diagnostic) -> bool {
    d.refuses_object && d.severity == Severity::Error
}

/// Whether a rule is on the production checklist (DS101 to DS899), whose findings wait until
/// the API server would take the object: advice on an object that cannot be applied (a
/// removed API group, a patch with no selector) is advice nobody acts on, and the error says
/// what to fix first. A wrong value (DS004 to DS006) holds nothing back: the rest of the
/// object is still what will deploy once it is corrected.
pub fn waits_for_valid_object(rule: &RuleMeta) -> bool {
    ("DS101"..="DS899").contains(&rule.code)
}

/// Rules that run over a loaded DaemonSet, in code order.
pub static CHECKS: &[&dyn Rule] = &[
    &ds003_selector_mismatch::SelectorMismatch,
    &ds004_invalid_value::InvalidValue,
    &ds005_invalid_quantity::InvalidQuantity,
    &ds006_requests_exceed_limits::RequestsExceedLimits,
    &ds007_removed_api_version::RemovedApiVersion,
    &ds008_dangling_reference::DanglingReference,
    &ds011_invalid_image_reference::InvalidImageReference,
    &ds012_unknown_service_account::UnknownServiceAccount,
    &ds013_hugepages_volume_without_request::HugepagesVolumeWithoutRequest,
    &ds101_missing_requests::MissingRequests,
    &ds102_missing_limits::MissingLimits,
    &ds103_not_guaranteed_qos::NotGuaranteedQos,
    &ds104_low_memory_limit::LowMemoryLimit,
    &ds105_implausible_quantity::ImplausibleQuantity,
    &ds201_missing_control_plane_toleration::MissingControlPlaneToleration,
    &ds202_not_ready_toleration::NotReadyToleration,
    &ds203_missing_required_toleration::MissingRequiredToleration,
    &ds204_missing_gpu_toleration::MissingGpuToleration,
    &ds205_cni_not_ready_toleration::CniNotReadyToleration,
    &ds301_writable_host_path::WritableHostPath,
    &ds302_runtime_socket_mount::RuntimeSocketMount,
    &ds303_privileged_container::PrivilegedContainer,
    &ds304_capabilities_not_dropped::CapabilitiesNotDropped,
    &ds305_dangerous_capability::DangerousCapability,
    &ds306_privilege_escalation_allowed::PrivilegeEscalationAllowed,
    &ds307_host_namespace::HostNamespace,
    &ds308_writable_root_filesystem::WritableRootFilesystem,
    &ds309_untyped_socket_host_path::UntypedSocketHostPath,
    &ds310_secret_in_env::SecretInEnv,
    &ds311_required_socket_may_be_missing::RequiredSocketMayBeMissing,
    &ds312_unpropagated_csi_mount::UnpropagatedCsiMount,
    &ds313_unregistered_csi_driver::UnregisteredCsiDriver,
    &ds314_ignored_profile_annotation::IgnoredProfileAnnotation,
    &ds315_cluster_admin_token::ClusterAdminToken,
    &ds401_on_delete_update::OnDeleteUpdate,
    &ds402_max_unavailable_too_high::MaxUnavailableTooHigh,
    &ds403_surge_port_conflict::SurgePortConflict,
    &ds404_short_termination_grace::ShortTerminationGrace,
    &ds405_selector_pins_version::SelectorPinsVersion,
    &ds501_missing_priority_class::MissingPriorityClass,
    &ds601_missing_liveness_probe::MissingLivenessProbe,
    &ds602_missing_readiness_probe::MissingReadinessProbe,
    &ds603_short_liveness_delay::ShortLivenessDelay,
    &ds604_low_failure_threshold::LowFailureThreshold,
    &ds701_missing_os_selector::MissingOsSelector,
    &ds702_unconstrained_gpu_agent::UnconstrainedGpuAgent,
    &ds703_deprecated_node_label::DeprecatedNodeLabel,
    &ds704_unconstrained_device_request::UnconstrainedDeviceRequest,
    &ds705_required_host_path_may_be_missing::RequiredHostPathMayBeMissing,
    &ds706_single_architecture_image::SingleArchitectureImage,
    &ds707_created_host_path_not_writable::CreatedHostPathNotWritable,
    &ds708_pinned_to_named_nodes::PinnedToNamedNodes,
    &ds801_mutable_image_tag::MutableImageTag,
    &ds802_package_install_at_start::PackageInstallAtStart,
    &ds803_container_exits_at_once::ContainerExitsAtOnce,
    &ds804_exporter_not_pointed_at_host::ExporterNotPointedAtHost,
    &ds805_pod_network_sysctl::PodNetworkSysctl,
    &ds806_unexpanded_variable::UnexpandedVariable,
    &ds807_image_never_pulled::ImageNeverPulled,
    &ds808_init_container_parks::InitContainerParks,
    &ds809_unpublished_bare_image::UnpublishedBareImage,
    &ds810_removed_image::RemovedImage,
    &ds811_prefixed_capability::PrefixedCapability,
    &ds812_mount_inside_proc::MountInsideProc,
    &ds813_unknown_capability::UnknownCapability,
    &ds814_capability_never_held::CapabilityNeverHeld,
];

/// Every rule's metadata, including those the loader reports, in code order.
pub static ALL: &[&RuleMeta] = &[
    &ds001_yaml_syntax::META,
    &ds002_invalid_structure::META,
    &ds003_selector_mismatch::META,
    &ds004_invalid_value::META,
    &ds005_invalid_quantity::META,
    &ds006_requests_exceed_limits::META,
    &ds007_removed_api_version::META,
    &ds008_dangling_reference::META,
    &ds009_unrendered_template::META,
    &ds010_removed_api_beside::META,
    &ds011_invalid_image_reference::META,
    &ds012_unknown_service_account::META,
    &ds013_hugepages_volume_without_request::META,
    &ds101_missing_requests::META,
    &ds102_missing_limits::META,
    &ds103_not_guaranteed_qos::META,
    &ds104_low_memory_limit::META,
    &ds105_implausible_quantity::META,
    &ds201_missing_control_plane_toleration::META,
    &ds202_not_ready_toleration::META,
    &ds203_missing_required_toleration::META,
    &ds204_missing_gpu_toleration::META,
    &ds205_cni_not_ready_toleration::META,
    &ds301_writable_host_path::META,
    &ds302_runtime_socket_mount::META,
    &ds303_privileged_container::META,
    &ds304_capabilities_not_dropped::META,
    &ds305_dangerous_capability::META,
    &ds306_privilege_escalation_allowed::META,
    &ds307_host_namespace::META,
    &ds308_writable_root_filesystem::META,
    &ds309_untyped_socket_host_path::META,
    &ds310_secret_in_env::META,
    &ds311_required_socket_may_be_missing::META,
    &ds312_unpropagated_csi_mount::META,
    &ds313_unregistered_csi_driver::META,
    &ds314_ignored_profile_annotation::META,
    &ds315_cluster_admin_token::META,
    &ds401_on_delete_update::META,
    &ds402_max_unavailable_too_high::META,
    &ds403_surge_port_conflict::META,
    &ds404_short_termination_grace::META,
    &ds405_selector_pins_version::META,
    &ds501_missing_priority_class::META,
    &ds601_missing_liveness_probe::META,
    &ds602_missing_readiness_probe::META,
    &ds603_short_liveness_delay::META,
    &ds604_low_failure_threshold::META,
    &ds701_missing_os_selector::META,
    &ds702_unconstrained_gpu_agent::META,
    &ds703_deprecated_node_label::META,
    &ds704_unconstrained_device_request::META,
    &ds705_required_host_path_may_be_missing::META,
    &ds706_single_architecture_image::META,
    &ds707_created_host_path_not_writable::META,
    &ds708_pinned_to_named_nodes::META,
    &ds801_mutable_image_tag::META,
    &ds802_package_install_at_start::META,
    &ds803_container_exits_at_once::META,
    &ds804_exporter_not_pointed_at_host::META,
    &ds805_pod_network_sysctl::META,
    &ds806_unexpanded_variable::META,
    &ds807_image_never_pulled::META,
    &ds808_init_container_parks::META,
    &ds809_unpublished_bare_image::META,
    &ds810_removed_image::META,
    &ds811_prefixed_capability::META,
    &ds812_mount_inside_proc::META,
    &ds813_unknown_capability::META,
    &ds814_capability_never_held::META,
    &ds901_unused_suppression::META,
    &ds902_suppression_without_reason::META,
];

/// Whether the DaemonSet is a kustomize base, whose images an overlay's `images:` sets: its
/// file lies in a `base` or `config` folder, or its namespace is kubebuilder's placeholder
/// `system`, which the overlay's `namespace:` replaces along with the images.
pub fn kustomize_base(ds: &DaemonSet, cx: &Context) -> bool {
    cx.beside.in_base
        || ds
            .metadata
            .namespace
            .as_ref()
            .is_some_and(|n| n.value == "system")
}

/// "container `a`", or "containers `a`, `b` and `c` (init)" for several, in their order.
pub fn described(containers: &[&Container]) -> String {
    match containers {
        [only] => only.describe(),
        _ => {
            let names: Vec<String> = containers
                .iter()
                .map(|c| {
                    let init = if c.init { " (init)" } else { "" };
                    format!("`{}`{init}", c.display_name())
                })
                .collect();
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            format!("containers {}", listed(&names))
        }
    }
}

/// Finds a rule by code (`DS003`, any case) or name (`selector-mismatch`).
pub fn find(code_or_name: &str) -> Option<&'static RuleMeta> {
    ALL.iter()
        .copied()
        .find(|m| m.code.eq_ignore_ascii_case(code_or_name) || m.name == code_or_name)
}

/// The closest rule to a misspelt code or name (`DS7O2`, `privileged-containers`), shown as
/// `DS702 (unconstrained-gpu-agent)`.
pub fn did_you_mean(name: &str) -> Option<String> {
    let codes: Vec<&str> = ALL.iter().map(|m| m.code).collect();
    let names: Vec<&str> = ALL.iter().map(|m| m.name).collect();
    let upper = name.to_ascii_uppercase().replace('O', "0");
    let hit = suggest(&upper, &codes)
        .filter(|_| upper.starts_with("DS"))
        .or_else(|| suggest(name, &names))?;
    let meta = find(hit)?;
    Some(format!("{} ({})", meta.code, meta.name))
}

#[cfg(test)]
pub mod test_support {
    //! Lints YAML text in memory, so a rule's tests sit next to its logic.
    use crate::config::Config;
    use crate::lint::{Linter, Output};
    use crate::source::SourceFile;

    /// A DaemonSet whose pod spec is `body` (indented six spaces); the pod spec starts on
    /// line 9, so `body`'s first line is line 9.
    pub fn pod_spec(body: &str) -> String {
        format!(
            "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {{name: a}}\nspec:\n  selector: {{matchLabels: {{app: a}}}}\n  template:\n    metadata: {{labels: {{app: a}}}}\n    spec:\n{body}"
        )
    }

    /// `(code, line, column)` of every finding.
    pub fn findings(yaml: &str) -> Vec<(String, usize, usize)> {
        let linter = Linter::new(Output::Data);
        let report = linter.lint_source(SourceFile::new("test.yaml".into(), yaml.into()));
        report
            .diagnostics
            .iter()
            .map(|d| (d.code.to_owned(), d.line, d.column))
            .collect()
    }

    /// Findings of one rule, as `line:column` strings.
    pub fn positions(yaml: &str, code: &str) -> Vec<String> {
        findings(yaml)
            .into_iter()
            .filter(|(c, _, _)| c == code)
            .map(|(_, l, c)| format!("{l}:{c}"))
            .collect()
    }

    /// The messages of one rule's findings.
    pub fn messages(yaml: &str, code: &str) -> Vec<String> {
        texts(yaml, code, |d| Some(d.message.clone()))
    }

    /// The help of one rule's findings.
    pub fn helps(yaml: &str, code: &str) -> Vec<String> {
        texts(yaml, code, |d| d.help.clone())
    }

    fn texts(
        yaml: &str,
        code: &str,
        text: impl Fn(&crate::finding::Finding) -> Option<String>,
    ) -> Vec<String> {
        let linter = Linter::new(Output::Data);
        let report = linter.lint_source(SourceFile::new("test.yaml".into(), yaml.into()));
        report
            .diagnostics
            .iter()
            .filter(|d| d.code == code)
            .filter_map(text)
            .collect()
    }

    /// Findings of one rule under a configuration, as `line:column severity` strings.
    pub fn positions_with(yaml: &str, code: &str, config: Config) -> Vec<String> {
        let linter = Linter::with_config(Output::Data, config, false);
        let report = linter.lint_source(SourceFile::new("test.yaml".into(), yaml.into()));
        report
            .diagnostics
            .iter()
            .filter(|d| d.code == code)
            .map(|d| format!("{}:{} {}", d.line, d.column, d.severity.as_str()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_names_are_unique_and_documented() {
        for (i, a) in ALL.iter().enumerate() {
            assert!(
                a.doc.starts_with(&format!("# {} {}", a.code, a.name)),
                "{}",
                a.code
            );
            for b in &ALL[i + 1..] {
                assert_ne!(a.code, b.code);
                assert_ne!(a.name, b.name);
            }
        }
        for check in CHECKS {
            assert!(ALL.iter().any(|m| std::ptr::eq(*m, check.meta())));
        }
    }

    #[test]
    fn suggestions() {
        assert_eq!(find("ds003").map(|m| m.name), Some("selector-mismatch"));
        assert_eq!(find("selector-mismatch").map(|m| m.code), Some("DS003"));
    }
}
