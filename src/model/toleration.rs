//! How Kubernetes matches tolerations to taints, and which tolerations a DaemonSet's pods really
//! carry once the DaemonSet controller has added its own. DS201, DS202 and DS203 all ask these
//! questions, so the answers live here, once.

use super::taint::Taint;
use super::{PodSpec, Spanned, Toleration};

/// A toleration as the API compares it: an absent string field is the empty string.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Terms<'a> {
    pub key: &'a str,
    pub operator: &'a str,
    pub value: &'a str,
    pub effect: &'a str,
    pub seconds: Option<i64>,
}

impl Terms<'_> {
    /// `Toleration.ToleratesTaint` of k8s.io/api: an empty effect matches every effect, an
    /// empty key every key (validation only allows that with Exists), Exists any value, and
    /// Equal (also spelt as an absent operator) the exact value. Unknown operators match
    /// nothing.
    pub fn tolerates(&self, taint: &Taint) -> bool {
        if !self.effect.is_empty() && self.effect != taint.effect {
            return false;
        }
        if !self.key.is_empty() && self.key != taint.key {
            return false;
        }
        match self.operator {
            "" | "Equal" => self.value == taint.value,
            "Exists" => true,
            _ => false,
        }
    }

    /// `operator: Exists` with no key and no effect: it tolerates every taint there is.
    pub fn tolerates_every_taint(&self) -> bool {
        self.key.is_empty() && self.operator == "Exists" && self.effect.is_empty()
    }

    /// `Toleration.MatchToleration`: the fields "add or update" compares. The operator is
    /// compared as written, so an absent operator differs from `Equal` here.
    fn same_slot(&self, other: &Terms) -> bool {
        self.key == other.key
            && self.operator == other.operator
            && self.value == other.value
            && self.effect == other.effect
    }
}

fn text(field: &Option<Spanned<String>>) -> &str {
    field.as_ref().map_or("", |s| s.value.as_str())
}

impl Toleration {
    pub fn terms(&self) -> Terms<'_> {
        Terms {
            key: text(&self.key),
            operator: text(&self.operator),
            value: text(&self.value),
            effect: text(&self.effect),
            seconds: self.toleration_seconds.as_ref().map(|s| s.value),
        }
    }
}

pub const NOT_READY: &str = "node.kubernetes.io/not-ready";
pub const UNREACHABLE: &str = "node.kubernetes.io/unreachable";

/// What `AddOrUpdateDaemonPodTolerations` (pkg/controller/daemon/util) adds to every pod it
/// creates, in its order. The NoExecute pair has no tolerationSeconds: tolerated forever.
fn controller_tolerations(host_network: bool) -> Vec<Terms<'static>> {
    let exists = |key, effect| Terms {
        key,
        operator: "Exists",
        value: "",
        effect,
        seconds: None,
    };
    let mut added = vec![
        exists(NOT_READY, "NoExecute"),
        exists(UNREACHABLE, "NoExecute"),
        exists("node.kubernetes.io/disk-pressure", "NoSchedule"),
        exists("node.kubernetes.io/memory-pressure", "NoSchedule"),
        exists("node.kubernetes.io/pid-pressure", "NoSchedule"),
        exists("node.kubernetes.io/unschedulable", "NoSchedule"),
    ];
    if host_network {
        added.push(exists(
            "node.kubernetes.io/network-unavailable",
            "NoSchedule",
        ));
    }
    added
}

/// One toleration of a running DaemonSet pod.
#[derive(Clone, Copy, Debug)]
pub struct PodToleration<'a> {
    pub terms: Terms<'a>,
    /// The manifest's toleration it came from; `None` when the controller wrote it.
    pub declared: Option<&'a Toleration>,
}

/// The tolerations the DaemonSet controller gives the pods it creates, in order.
#[derive(Debug)]
pub struct DaemonPodTolerations<'a> {
    pub list: Vec<PodToleration<'a>>,
    /// Declared tolerations the controller overwrote with its own (same key, operator, value
    /// and effect), whatever their tolerationSeconds.
    pub replaced: Vec<&'a Toleration>,
}

impl<'a> DaemonPodTolerations<'a> {
    pub fn of(pod: &'a PodSpec) -> DaemonPodTolerations<'a> {
        let mut list: Vec<PodToleration<'a>> = pod
            .tolerations
            .iter()
            .map(|t| PodToleration {
                terms: t.terms(),
                declared: Some(t),
            })
            .collect();
        let mut replaced = Vec::new();
        for added in controller_tolerations(pod.host_network()) {
            add_or_update(&mut list, added, &mut replaced);
        }
        DaemonPodTolerations { list, replaced }
    }

    /// Whether some toleration tolerates the taint (at least for a while, for NoExecute).
    pub fn tolerate(&self, taint: &Taint) -> bool {
        self.first_match(taint).is_some()
    }

    /// The toleration the taint manager consults for a NoExecute taint: the first one in the
    /// list that tolerates it (`GetMatchingTolerations` stops at the first match).
    pub fn first_match(&self, taint: &Taint) -> Option<&PodToleration<'a>> {
        self.list.iter().find(|t| t.terms.tolerates(taint))
    }

    /// For a NoExecute taint: `None` if the pod stays forever (or is not tolerated at all),
    /// else the seconds after which the taint manager evicts it (0 = at once).
    pub fn eviction_after(&self, taint: &Taint) -> Option<i64> {
        self.first_match(taint)?.terms.seconds.map(|s| s.max(0))
    }
}

/// `AddOrUpdateTolerationInPodSpec`: every toleration in the same slot is overwritten by the
/// new one; with no such slot the new one is appended. Its "already identical, change
/// nothing" shortcut compares a pointer with a value (`DeepEqual(toleration,
/// podTolerations[i])`), so it never fires and is not modelled.
fn add_or_update<'a>(
    list: &mut Vec<PodToleration<'a>>,
    added: Terms<'static>,
    replaced: &mut Vec<&'a Toleration>,
) {
    let mut updated = Vec::with_capacity(list.len() + 1);
    let mut overwritten = Vec::new();
    let mut found = false;
    for t in list.iter() {
        if added.same_slot(&t.terms) {
            updated.push(PodToleration {
                terms: added,
                declared: None,
            });
            found = true;
            overwritten.extend(t.declared);
        } else {
            updated.push(*t);
        }
    }
    if !found {
        updated.push(PodToleration {
            terms: added,
            declared: None,
        });
    }
    replaced.extend(overwritten);
    *list = updated;
}

pub fn taint(key: &str, effect: &str) -> Taint {
    Taint {
        key: key.to_owned(),
        value: String::new(),
        effect: effect.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms<'a>(key: &'a str, operator: &'a str, value: &'a str, effect: &'a str) -> Terms<'a> {
        Terms {
            key,
            operator,
            value,
            effect,
            seconds: None,
        }
    }

    fn t(text: &str) -> Taint {
        Taint::parse(text).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn tolerates_taint() {
        let cp = t("node-role.kubernetes.io/control-plane:NoSchedule");
        let gpu = t("dedicated=gpu:NoSchedule");
        // Exists with a key: any value, the given effect or all effects.
        assert!(
            terms(
                "node-role.kubernetes.io/control-plane",
                "Exists",
                "",
                "NoSchedule"
            )
            .tolerates(&cp)
        );
        assert!(terms("node-role.kubernetes.io/control-plane", "Exists", "", "").tolerates(&cp));
        assert!(
            !terms(
                "node-role.kubernetes.io/control-plane",
                "Exists",
                "",
                "NoExecute"
            )
            .tolerates(&cp)
        );
        assert!(
            !terms("node-role.kubernetes.io/master", "Exists", "", "NoSchedule").tolerates(&cp)
        );
        assert!(terms("dedicated", "Exists", "", "").tolerates(&gpu));
        // Empty key with Exists: everything.
        assert!(terms("", "Exists", "", "").tolerates(&cp));
        assert!(terms("", "Exists", "", "NoSchedule").tolerates(&gpu));
        assert!(!terms("", "Exists", "", "NoExecute").tolerates(&gpu));
        // Equal, written or absent: the exact value, so an empty value only an empty value.
        assert!(terms("dedicated", "Equal", "gpu", "NoSchedule").tolerates(&gpu));
        assert!(terms("dedicated", "", "gpu", "").tolerates(&gpu));
        assert!(!terms("dedicated", "", "GPU", "").tolerates(&gpu));
        assert!(!terms("dedicated", "Equal", "", "NoSchedule").tolerates(&gpu));
        assert!(
            terms(
                "node-role.kubernetes.io/control-plane",
                "",
                "",
                "NoSchedule"
            )
            .tolerates(&cp)
        );
        // Operators are case-sensitive; the API rejects others, and they match nothing.
        assert!(!terms("dedicated", "exists", "", "").tolerates(&gpu));
    }

    fn pod(yaml: &str) -> PodSpec {
        let text = format!(
            "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {{name: a}}\nspec:\n  selector: {{matchLabels: {{a: b}}}}\n  template:\n    metadata: {{labels: {{a: b}}}}\n    spec:\n{yaml}      containers: [{{name: c, image: i}}]\n"
        );
        let source = crate::source::SourceFile::new("t.yaml".into(), text);
        let mut loaded = crate::loader::load(&source);
        let ds = loaded
            .daemonsets
            .pop()
            .unwrap_or_else(|| panic!("no DaemonSet"));
        ds.spec
            .and_then(|s| s.template)
            .and_then(|t| t.spec)
            .unwrap_or_else(|| panic!("no pod spec"))
    }

    #[test]
    fn controller_adds_its_tolerations() {
        let p = pod("");
        let all = DaemonPodTolerations::of(&p);
        assert_eq!(all.list.len(), 6);
        assert!(all.list.iter().all(|t| t.declared.is_none()));
        assert_eq!(all.eviction_after(&taint(NOT_READY, "NoExecute")), None);
        assert!(all.tolerate(&taint(UNREACHABLE, "NoExecute")));
        assert!(all.tolerate(&taint("node.kubernetes.io/unschedulable", "NoSchedule")));
        assert!(!all.tolerate(&taint(
            "node.kubernetes.io/network-unavailable",
            "NoSchedule"
        )));
        assert!(!all.tolerate(&taint(
            "node-role.kubernetes.io/control-plane",
            "NoSchedule"
        )));
        let host = pod("      hostNetwork: true\n");
        let all = DaemonPodTolerations::of(&host);
        assert!(all.tolerate(&taint(
            "node.kubernetes.io/network-unavailable",
            "NoSchedule"
        )));
    }

    #[test]
    fn identical_slot_is_replaced_and_its_seconds_dropped() {
        let p = pod(
            "      tolerations:\n      - {key: node.kubernetes.io/not-ready, operator: Exists, effect: NoExecute, tolerationSeconds: 300}\n",
        );
        let all = DaemonPodTolerations::of(&p);
        assert_eq!(all.replaced.len(), 1);
        assert_eq!(all.list.len(), 6);
        assert_eq!(all.eviction_after(&taint(NOT_READY, "NoExecute")), None);
    }

    #[test]
    fn different_slot_is_kept_and_evicts() {
        // Equal is another slot than Exists, so both stay and the declared one comes first.
        let p = pod(
            "      tolerations:\n      - {key: node.kubernetes.io/not-ready, operator: Equal, effect: NoExecute, tolerationSeconds: 60}\n      - {key: node.kubernetes.io/unreachable, effect: NoExecute, tolerationSeconds: -5}\n",
        );
        let all = DaemonPodTolerations::of(&p);
        assert!(all.replaced.is_empty());
        assert_eq!(all.list.len(), 8);
        assert_eq!(all.eviction_after(&taint(NOT_READY, "NoExecute")), Some(60));
        assert_eq!(
            all.eviction_after(&taint(UNREACHABLE, "NoExecute")),
            Some(0)
        );
    }

    #[test]
    fn an_identical_toleration_does_not_stop_the_update() {
        // The shortcut never fires, so the timed variant is overwritten too.
        let p = pod(
            "      tolerations:\n      - {key: node.kubernetes.io/not-ready, operator: Exists, effect: NoExecute, tolerationSeconds: 30}\n      - {key: node.kubernetes.io/not-ready, operator: Exists, effect: NoExecute}\n",
        );
        let all = DaemonPodTolerations::of(&p);
        assert_eq!(all.replaced.len(), 2);
        assert_eq!(all.eviction_after(&taint(NOT_READY, "NoExecute")), None);
    }

    #[test]
    fn first_match_decides() {
        // A blanket toleration before a timed one: the taint manager never reaches the latter.
        let p = pod(
            "      tolerations:\n      - operator: Exists\n      - {key: node.kubernetes.io/not-ready, operator: Equal, effect: NoExecute, tolerationSeconds: 60}\n",
        );
        let all = DaemonPodTolerations::of(&p);
        assert_eq!(all.eviction_after(&taint(NOT_READY, "NoExecute")), None);
        assert!(all.tolerate(&taint("anything", "NoExecute")));
    }
}
