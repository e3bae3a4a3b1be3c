use crate::diagnostic::{Diagnostic, RuleMeta, Severity};
use crate::engine::{Context, Rule};
use crate::model::{DaemonSet, ResourceQuantity};

pub static META: RuleMeta = RuleMeta {
    code: "DS105",
    name: "implausible-quantity",
    severity: Severity::Error,
    summary: "A memory amount in millibytes (`memory: 100m`) or bytes (`memory: 128`), or a cpu \
              amount of 50 or more whole cores: a unit typed wrong, which the API server accepts",
    doc: include_str!("../../rules/DS105.md"),
};

pub struct ImplausibleQuantity;

/// What is wrong with a quantity's unit, and the quantity that was meant.
pub struct Typo {
    pub what: String,
    pub meant: String,
}

/// Memory written with `m` (milli: thousandths of a byte) or as a bare number under 1Mi, and
/// cpu written as a bare number of 50 cores or more: units a node agent never means.
pub fn typo(q: &ResourceQuantity) -> Option<Typo> {
    let value = q.parsed.as_ref().ok().copied()?;
    if value.is_zero() || value.is_negative() {
        return None;
    }
    let text = q.text.trim();
    let number = text.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let unit = &text[number.len()..];
    // A whole number without a unit, in the resource's base unit (bytes, cores).
    let bare: Option<u128> = if unit.is_empty() {
        number.parse().ok()
    } else {
        None
    };
    match q.resource.as_str() {
        "memory" if unit == "m" => Some(Typo {
            what: format!("{number} thousandths of a byte (`m` is milli, not mega)"),
            meant: format!("{number}Mi"),
        }),
        "memory" if bare.is_some_and(|bytes| bytes < 1 << 20) => Some(Typo {
            what: format!("{number} bytes (a number without a unit counts bytes)"),
            meant: format!("{number}Mi"),
        }),
        "cpu" if bare.is_some_and(|cores| cores >= 50) => Some(Typo {
            what: format!("{number} whole cores (a number without a unit counts cores)"),
            meant: format!("{number}m"),
        }),
        _ => None,
    }
}

impl Rule for ImplausibleQuantity {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ds: &DaemonSet, cx: &mut Context) {
        let Some(pod) = ds.pod() else { return };
        for c in pod.all_containers() {
            let Some(resources) = &c.resources else {
                continue;
            };
            let lists = [
                ("request", &resources.requests),
                ("limit", &resources.limits),
            ];
            for (kind, list) in lists {
                for entry in &list.entries {
                    let Some(typo) = typo(&entry.value) else {
                        continue;
                    };
                    let effect = match (entry.value.resource.as_str(), kind) {
                        ("memory", "request") => {
                            "the scheduler rounds it up to one byte and reserves nothing for the \
                             container"
                        }
                        ("memory", _) => {
                            "no process fits in a limit that small: the container is killed for \
                             memory as it starts, and restarts in a loop on every node"
                        }
                        (_, "request") => {
                            "no node has that many cores to spare, so the pod stays Pending on \
                             every node"
                        }
                        _ if resources.requests.get("cpu").is_none() => {
                            "with no cpu request the request defaults to the limit, so the pod \
                             stays Pending on every node"
                        }
                        _ => "the limit caps nothing",
                    };
                    cx.report(
                        Diagnostic::new(
                            &META,
                            entry.span,
                            format!(
                                "the {} {kind} `{}` of container `{}` is {}: {effect}",
                                entry.value.resource,
                                entry.value.text.trim(),
                                c.display_name(),
                                typo.what
                            ),
                        )
                        .label(format!("did you mean `{}`?", typo.meant))
                        .help(format!(
                            "write the unit: `{}: {}` (memory takes `Mi` or `Gi`, cpu `m` for \
                             thousandths of a core)",
                            entry.value.resource, typo.meant
                        )),
                    );
                }
            }
        }
    }
}
