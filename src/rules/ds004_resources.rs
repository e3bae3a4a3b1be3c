//! DS004's resource checks: `ValidateContainerResourceRequirements` and
//! `validateContainerResourceName` (pkg/apis/core/validation). Request-versus-limit rules are
//! DS006's.

use crate::diagnostic::Diagnostic;
use crate::did_you_mean::suggest;
use crate::engine::Context;
use crate::model::{PodSpec, Resources};
use crate::rules::ds004_invalid_value::META;
use crate::rules::k8s_names::qualified_name_problem;

const STANDARD: &[&str] = &["cpu", "memory", "ephemeral-storage"];

pub fn check(cx: &mut Context, pod: &PodSpec) {
    for c in pod.all_containers() {
        if let Some(res) = &c.resources {
            resources(cx, res);
        }
    }
}

/// `IsExtendedResourceName`: a name with a domain outside `kubernetes.io` (nvidia.com/gpu).
pub fn is_extended(name: &str) -> bool {
    name.contains('/') && !name.contains("kubernetes.io/") && !name.starts_with("requests.")
}

pub fn is_hugepages(name: &str) -> bool {
    name.starts_with("hugepages-")
}

fn resources(cx: &mut Context, res: &Resources) {
    for entry in res.limits.entries.iter().chain(&res.requests.entries) {
        let name = entry.value.resource.as_str();
        if let Some(problem) = name_problem(name) {
            let mut d = Diagnostic::new(
                &META,
                entry.key,
                format!(
                    "the API server rejects resource name `{name}`: {problem} (validateContainerResourceName)"
                ),
            )
            .label("not a resource the API knows");
            d = match suggest(name, STANDARD) {
                Some(s) if !name.contains('/') => d.help(format!("did you mean `{s}`?")),
                _ => d.help("use cpu, memory, ephemeral-storage, hugepages-<size>, or a device plugin's resource such as `nvidia.com/gpu`"),
            };
            cx.report(d);
            continue;
        }
        if is_extended(name)
            && let Ok(q) = &entry.value.parsed
            && !q.is_whole()
        {
            cx.report(
                Diagnostic::new(
                    &META,
                    entry.span,
                    format!(
                        "the API server rejects `{name}: {}`: extended resources are counted in whole units (ValidateResourceQuantityValue)",
                        entry.value.text
                    ),
                )
                .label("must be a whole number")
                .help("request whole devices, such as `1`"),
            );
        }
    }
    let all = || res.limits.entries.iter().chain(&res.requests.entries);
    let has_hugepages = all().any(|e| is_hugepages(&e.value.resource));
    let has_cpu_or_memory = all().any(|e| matches!(e.value.resource.as_str(), "cpu" | "memory"));
    if has_hugepages && !has_cpu_or_memory {
        cx.report(
            Diagnostic::new(
                &META,
                res.key,
                "the API server rejects hugepages without a cpu or memory request or limit (ValidateContainerResourceRequirements)",
            )
            .label("hugepages need cpu or memory")
            .help("add a memory request and limit next to the hugepages"),
        );
    }
}

fn name_problem(name: &str) -> Option<String> {
    if !name.contains('/') {
        if STANDARD.contains(&name) || is_hugepages(name) {
            return qualified_name_problem(name);
        }
        return Some(
            "a name without a domain must be cpu, memory, ephemeral-storage or hugepages-<size>"
                .to_owned(),
        );
    }
    if let Some(problem) = qualified_name_problem(name) {
        return Some(problem);
    }
    if name.starts_with("requests.") && !name.contains("kubernetes.io/") {
        return Some("an extended resource name may not start with `requests.`".to_owned());
    }
    None
}
