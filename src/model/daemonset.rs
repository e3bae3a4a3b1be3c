use super::{IntOrPercent, Pair, PodTemplate, Reader, Spanned, whole_number};
use crate::diagnostic::ObjectRef;
use crate::source::Span;
use crate::yaml::{Node, Value};

#[derive(Debug)]
pub struct DaemonSet {
    pub api_version: Option<Spanned<String>>,
    pub metadata: ObjectMeta,
    /// Absent when `spec` is missing or not a mapping.
    pub spec: Option<DaemonSetSpec>,
    /// Fluent Bit's `[SERVICE] Grace`, when a ConfigMap in the same file that the pod mounts
    /// sets it: how long Fluent Bit waits to flush on SIGTERM.
    pub fluent_bit_grace: Option<FluentBitGrace>,
    /// The `data` entries of the ConfigMaps in the same input that the pod mounts: the
    /// agent's own configuration and scripts, where the manifest carries them.
    pub mounted_config: Vec<MountedFile>,
    /// The whole object in its source.
    pub span: Span,
    /// A comment in the object offers a control-plane toleration to uncomment (`#- key:
    /// node-role.kubernetes.io/master`): whether the agent runs there is its author's
    /// documented choice.
    pub offers_control_plane_toleration: bool,
}

/// One `data` entry of a ConfigMap the pod mounts: a file its containers see.
#[derive(Debug, Clone)]
pub struct MountedFile {
    pub config_map: String,
    pub key: String,
    pub text: String,
}

/// One `key value` (classic Fluent Bit, fluentd) or `key: value` (YAML) line of an agent's
/// mounted config: its key as written, its value without quotes, and the trimmed line.
pub struct ConfigSetting<'a> {
    pub key: &'a str,
    pub value: &'a str,
    pub line: &'a str,
}

/// The settings of one mounted config, line by line.
pub fn config_settings(config: &str) -> impl Iterator<Item = ConfigSetting<'_>> {
    config.lines().map(str::trim).filter_map(|line| {
        let (key, value) = line.split_once(|c: char| c.is_whitespace() || c == ':')?;
        Some(ConfigSetting {
            key,
            value: value.trim().trim_matches(['"', '\'']),
            line,
        })
    })
}

#[derive(Debug, Clone)]
pub struct FluentBitGrace {
    pub config_map: String,
    pub seconds: i64,
}

#[derive(Debug, Default)]
pub struct ObjectMeta {
    pub name: Option<Spanned<String>>,
    pub namespace: Option<Spanned<String>>,
    pub labels: Vec<Pair>,
    pub annotations: Vec<Pair>,
    /// Without `labels`, a key that is a misspelling of it (`lables`), which DS002 reports.
    pub labels_typo: bool,
}

#[derive(Debug)]
pub struct DaemonSetSpec {
    pub key: Span,
    pub selector: Option<LabelSelector>,
    /// Without a `selector`, a key that is a misspelling of it (`selectors`).
    pub selector_typo: Option<Spanned<String>>,
    pub update_strategy: Option<UpdateStrategy>,
    pub template: Option<PodTemplate>,
}

#[derive(Debug, Default)]
pub struct LabelSelector {
    pub key: Span,
    pub match_labels: Vec<Pair>,
    pub match_expressions: Vec<Requirement>,
}

/// A `{key, operator, values}` requirement of a label selector.
#[derive(Debug)]
pub struct Requirement {
    pub span: Span,
    pub key: Option<Spanned<String>>,
    pub operator: Option<Spanned<String>>,
    pub values: Vec<Spanned<String>>,
}

#[derive(Debug)]
pub struct UpdateStrategy {
    pub kind: Option<Spanned<String>>,
    pub rolling_update: Option<RollingUpdate>,
}

#[derive(Debug)]
pub struct RollingUpdate {
    pub key: Span,
    pub max_unavailable: Option<Spanned<IntOrPercent>>,
    pub max_surge: Option<Spanned<IntOrPercent>>,
}

impl DaemonSet {
    /// What findings about this DaemonSet name it by.
    pub fn object_ref(&self) -> ObjectRef {
        ObjectRef {
            kind: "DaemonSet".to_owned(),
            namespace: self.metadata.namespace.as_ref().map(|n| n.value.clone()),
            name: self.metadata.name.as_ref().map(|n| n.value.clone()),
            profile: None,
            profile_evidence: None,
        }
    }

    /// Whether the DaemonSet is an OpenShift cluster component (namespace `openshift` or
    /// `openshift-*`). OpenShift's conventions (openshift/enhancements, CONVENTIONS.md,
    /// "Resources and Limits") ask cluster components for requests and forbid limits.
    pub fn openshift_component(&self) -> bool {
        self.metadata
            .namespace
            .as_ref()
            .is_some_and(|n| n.value == "openshift" || n.value.starts_with("openshift-"))
    }

    /// Reads a DaemonSet object; `kind` is its already-checked `kind` entry.
    pub fn read(root: &Node, kind: Spanned<String>, r: &mut Reader) -> DaemonSet {
        let api_version = r.string(root, "apiVersion");
        let old_group = api_version
            .as_ref()
            .is_some_and(|v| v.value == "extensions/v1beta1");
        let metadata = ObjectMeta::read(root, r);
        let spec = match r.map(root, "spec") {
            Some(entry) => {
                let mut spec = DaemonSetSpec::read(&entry.value, entry.key_span, r);
                spec.default_update_strategy(old_group);
                Some(spec)
            }
            None => {
                if root.get("spec").is_none_or(Node::is_null) {
                    r.problem(kind.whole(), "the DaemonSet has no `spec`".to_owned());
                }
                None
            }
        };
        DaemonSet {
            api_version,
            metadata,
            spec,
            fluent_bit_grace: None,
            mounted_config: Vec::new(),
            span: root.span,
            offers_control_plane_toleration: false,
        }
    }

    /// Whether updates roll out by themselves: `RollingUpdate`, written or defaulted. apps/v1
    /// defaults to it; the removed beta groups defaulted to `OnDelete`.
    pub fn rolls_out(&self) -> bool {
        let kind = self
            .spec
            .as_ref()
            .and_then(|s| s.update_strategy.as_ref())
            .and_then(|u| u.kind.as_ref());
        match kind {
            Some(k) => k.value == "RollingUpdate",
            None => self
                .api_version
                .as_ref()
                .is_none_or(|v| v.value != "extensions/v1beta1"),
        }
    }

    /// The written `rollingUpdate` block, if any.
    pub fn rolling_update(&self) -> Option<&RollingUpdate> {
        self.spec
            .as_ref()?
            .update_strategy
            .as_ref()?
            .rolling_update
            .as_ref()
    }

    /// The pod template's spec, when there is one.
    pub fn pod(&self) -> Option<&super::PodSpec> {
        self.spec.as_ref()?.template.as_ref()?.spec.as_ref()
    }

    /// The DaemonSet's annotations, then its pod template's: where daemonlint's own
    /// annotations (suppressions, the profile) may be written.
    pub fn all_annotations(&self) -> impl Iterator<Item = &super::Pair> {
        self.metadata
            .annotations
            .iter()
            .chain(self.template_annotations())
    }

    /// The pod template's annotations: the ones the pods get.
    pub fn template_annotations(&self) -> &[super::Pair] {
        self.spec
            .as_ref()
            .and_then(|s| s.template.as_ref())
            .map(|t| t.metadata.annotations.as_slice())
            .unwrap_or_default()
    }

    /// The `updateStrategy.type` entry when it is `OnDelete`: pods change only when someone
    /// deletes them.
    pub fn on_delete(&self) -> Option<&Spanned<String>> {
        self.spec
            .as_ref()
            .and_then(|s| s.update_strategy.as_ref())
            .and_then(|u| u.kind.as_ref())
            .filter(|k| k.value == "OnDelete")
    }

    /// Whether the pod template carries GKE Autopilot's workload annotations
    /// (`autopilot.gke.io/...`): a partner workload that Autopilot admits only while it matches
    /// the published allowlist, so its host access is the vendor's to change, not the user's.
    pub fn autopilot_workload(&self) -> bool {
        self.template_annotations()
            .iter()
            .any(|a| a.value.0.starts_with("autopilot.gke.io/"))
    }
}

impl ObjectMeta {
    /// The `metadata` of an object or pod template; empty when there is none.
    pub fn read(parent: &Node, r: &mut Reader) -> ObjectMeta {
        let Some(entry) = r.map(parent, "metadata") else {
            return ObjectMeta::default();
        };
        let node = &entry.value;
        let labels_typo = node.get("labels").is_none()
            && matches!(&node.value, Value::Map(entries) if entries.iter().any(|e| {
                e.key != "annotations"
                    && crate::did_you_mean::suggest(&e.key, &["labels"]).is_some()
            }));
        ObjectMeta {
            name: r.string(node, "name"),
            namespace: r.string(node, "namespace"),
            labels: r.string_map(node, "labels"),
            annotations: r.string_map(node, "annotations"),
            labels_typo,
        }
    }
}

impl DaemonSetSpec {
    fn read(node: &Node, key: Span, r: &mut Reader) -> DaemonSetSpec {
        let selector = r
            .map(node, "selector")
            .map(|e| LabelSelector::read(&e.value, e.key_span, r));
        let update_strategy = r.map(node, "updateStrategy").map(|e| {
            let value = &e.value;
            UpdateStrategy {
                kind: r.string(value, "type"),
                rolling_update: r.map(value, "rollingUpdate").map(|ru| RollingUpdate {
                    key: ru.key_span,
                    max_unavailable: int_or_percent(&ru.value, "maxUnavailable", r),
                    max_surge: int_or_percent(&ru.value, "maxSurge", r),
                }),
            }
        });
        let template = match r.map(node, "template") {
            Some(e) => Some(PodTemplate::read(&e.value, e.key_span, r)),
            None => {
                r.problem(key, "the DaemonSet spec has no pod `template`".to_owned());
                None
            }
        };
        // Read only to check its type: no rule needs it.
        r.int(node, "minReadySeconds");
        let selector_typo = match (&selector, &node.value) {
            (None, Value::Map(entries)) => entries
                .iter()
                .filter(|e| {
                    !matches!(
                        e.key.as_str(),
                        "minReadySeconds" | "revisionHistoryLimit" | "template" | "updateStrategy"
                    )
                })
                .find(|e| crate::did_you_mean::suggest(&e.key, &["selector"]).is_some())
                .map(|e| Spanned {
                    value: e.key.clone(),
                    span: e.key_span,
                    key: e.key_span,
                }),
            _ => None,
        };
        DaemonSetSpec {
            key,
            selector,
            selector_typo,
            update_strategy,
            template,
        }
    }
}

impl DaemonSetSpec {
    /// `SetDefaults_DaemonSet` replaces an empty `type: ""` as it does an absent one:
    /// RollingUpdate in apps/v1, OnDelete in the removed extensions/v1beta1.
    fn default_update_strategy(&mut self, old_group: bool) {
        let kind = self
            .update_strategy
            .as_mut()
            .and_then(|u| u.kind.as_mut())
            .filter(|k| k.value.is_empty());
        if let Some(kind) = kind {
            let default = if old_group {
                "OnDelete"
            } else {
                "RollingUpdate"
            };
            kind.value = default.to_owned();
        }
    }
}

impl LabelSelector {
    pub fn read(node: &Node, key: Span, r: &mut Reader) -> LabelSelector {
        LabelSelector {
            key,
            match_labels: r.string_map(node, "matchLabels"),
            match_expressions: r
                .maps(node, "matchExpressions")
                .into_iter()
                .map(|m| Requirement::read(m, r))
                .collect(),
        }
    }
}

impl Requirement {
    pub fn read(node: &Node, r: &mut Reader) -> Requirement {
        Requirement {
            span: node.span,
            key: r.string(node, "key"),
            operator: r.string(node, "operator"),
            values: r.string_list(node, "values"),
        }
    }
}

fn int_or_percent(node: &Node, key: &str, r: &mut Reader) -> Option<Spanned<IntOrPercent>> {
    let entry = node.entry(key).filter(|e| !e.value.is_null())?;
    let value = match &entry.value.value {
        Value::Str(s) => IntOrPercent::parse(s),
        v if let Some(i) = whole_number(v) => IntOrPercent::Int(i),
        _ => {
            r.problem(
                entry.value.span,
                format!(
                    "`{key}` must be an integer or a percentage string, found {}",
                    entry.value.type_name()
                ),
            );
            return None;
        }
    };
    Some(Spanned::new(value, entry))
}
