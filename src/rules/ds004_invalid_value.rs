use crate::diagnostic::{Diagnostic, RuleMeta, Severity};
use crate::did_you_mean::suggest;
use crate::engine::{Context, Rule};
use crate::model::{
    Container, DaemonSet, HostPathVolume, IntOrPercent, LabelSelector, PodSpec, RollingUpdate,
    Spanned, Toleration, UpdateStrategy,
};
use crate::rules::k8s_names::{label_value_problem, qualified_name_problem};
use crate::rules::{ds004_metadata, ds004_ports, ds004_resources};

pub static META: RuleMeta = RuleMeta {
    code: "DS004",
    name: "invalid-value",
    severity: Severity::Error,
    summary: "A value the API server rejects: an unknown enum value, an out-of-range port or rollout setting",
    doc: include_str!("../../rules/DS004.md"),
};

pub struct InvalidValue;

const EFFECTS: &[&str] = &["NoSchedule", "PreferNoSchedule", "NoExecute"];
const OPERATORS: &[&str] = &["Exists", "Equal"];
const STRATEGIES: &[&str] = &["RollingUpdate", "OnDelete"];
const PULL_POLICIES: &[&str] = &["Always", "IfNotPresent", "Never"];
const PROPAGATIONS: &[&str] = &["None", "HostToContainer", "Bidirectional"];
const PROC_MOUNTS: &[&str] = &["Default", "Unmasked"];
const SELECTOR_OPERATORS: &[&str] = &["In", "NotIn", "Exists", "DoesNotExist"];
const HOST_PATH_TYPES: &[&str] = &[
    "DirectoryOrCreate",
    "Directory",
    "FileOrCreate",
    "File",
    "Socket",
    "CharDevice",
    "BlockDevice",
];

impl Rule for InvalidValue {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ds: &DaemonSet, cx: &mut Context) {
        if let Some(spec) = &ds.spec {
            if let Some(strategy) = &spec.update_strategy {
                update_strategy(cx, ds, strategy);
            }
            if let Some(selector) = &spec.selector {
                selector_expressions(cx, selector);
            }
        }
        ds004_metadata::check(cx, ds);
        if let Some(pod) = ds.pod() {
            pod_values(cx, pod);
            ds004_ports::check(cx, pod);
            ds004_resources::check(cx, pod);
        }
    }
}

/// `ValidateDaemonSetUpdateStrategy`: the type must be known, and `rollingUpdate` is only
/// validated (and only defaulted) when the type is RollingUpdate, written or defaulted.
fn update_strategy(cx: &mut Context, ds: &DaemonSet, strategy: &UpdateStrategy) {
    // The API defaults an empty type like an absent one.
    let written = strategy.kind.as_ref().filter(|k| !k.value.is_empty());
    if let Some(kind) = written
        && !one_of(
            cx,
            kind,
            "updateStrategy.type (ValidateDaemonSetUpdateStrategy)",
            STRATEGIES,
        )
    {
        return;
    }
    let rolling = match written {
        Some(kind) => kind.value == "RollingUpdate",
        // extensions/v1beta1 defaulted the type to OnDelete; the other groups to RollingUpdate.
        None => ds
            .api_version
            .as_ref()
            .is_none_or(|v| v.value != "extensions/v1beta1"),
    };
    if rolling && let Some(ru) = &strategy.rolling_update {
        rolling_update(cx, ru);
    }
}

fn selector_expressions(cx: &mut Context, selector: &LabelSelector) {
    for req in &selector.match_expressions {
        let Some(op) = &req.operator else { continue };
        if !one_of(
            cx,
            op,
            "selector operator (ValidateLabelSelector)",
            SELECTOR_OPERATORS,
        ) {
            continue;
        }
        let needs_values = matches!(op.value.as_str(), "In" | "NotIn");
        if needs_values && req.values.is_empty() {
            cx.report(
                Diagnostic::new(
                    &META,
                    op.whole(),
                    format!("operator `{}` needs at least one value", op.value),
                )
                .label("no `values` given")
                .help("list the label values to match under `values`"),
            );
        } else if !needs_values && !req.values.is_empty() {
            cx.report(
                Diagnostic::new(
                    &META,
                    req.values[0].span,
                    format!("operator `{}` takes no values", op.value),
                )
                .label("must be empty")
                .help("remove `values`, or use `In`/`NotIn`"),
            );
        }
    }
}

fn pod_values(cx: &mut Context, pod: &PodSpec) {
    // An empty restartPolicy is defaulted to Always.
    if let Some(policy) = &pod.restart_policy
        && !matches!(policy.value.as_str(), "Always" | "")
    {
        cx.report(
            Diagnostic::new(
                &META,
                policy.span,
                format!(
                    "the API server rejects a DaemonSet whose pods use `restartPolicy: {}`: only `Always` is allowed (ValidateDaemonSetSpec)",
                    policy.value
                ),
            )
            .label("rejected by the API server")
            .help(
                "remove `restartPolicy` (it defaults to Always); work meant to run once per \
                 node belongs in an init container, with a pause container to keep the pod",
            )
            // A pod that should not restart is a one-shot job, not an agent: the checklist
            // (priority, resources, probes) does not apply until it is one.
            .refuses_object(),
        );
    }
    for t in &pod.tolerations {
        toleration(cx, t);
    }
    for c in pod.all_containers() {
        container(cx, c);
        proc_mount(cx, pod, c);
    }
    for h in pod.volumes.iter().filter_map(|v| v.host_path.as_ref()) {
        host_path(cx, h);
    }
}

/// `ValidateProcMountType` and the user-namespace rule beside it: `procMount` is `Default` or
/// `Unmasked`, and an unmasked `/proc` only in a pod with `hostUsers: false`, whose root is no
/// root of the node.
fn proc_mount(cx: &mut Context, pod: &PodSpec, c: &Container) {
    let Some(mount) = c
        .security_context
        .as_ref()
        .and_then(|sc| sc.proc_mount.as_ref())
    else {
        return;
    };
    if !one_of(
        cx,
        mount,
        "securityContext.procMount (ValidateProcMountType)",
        PROC_MOUNTS,
    ) || mount.value != "Unmasked"
        || pod.host_users.as_ref().is_some_and(|h| !h.value)
    {
        return;
    }
    cx.report(
        Diagnostic::new(
            &META,
            mount.span,
            format!(
                "{} asks for `procMount: Unmasked` in a pod that shares the node's user \
                 namespace: API servers with the ProcMountType feature (beta, on by default in \
                 current releases) refuse the DaemonSet (\"`hostUsers` must be false to use \
                 `Unmasked`\"); older ones drop the field, and the \
                 container gets the default masked `/proc` anyway",
                c.describe()
            ),
        )
        .label("refused without `hostUsers: false`")
        .help(
            "remove `procMount: Unmasked` (runtimes mask nothing in a privileged container's \
             `/proc`, and a host mount of `/proc` shows the node's), or run the pod in a user \
             namespace of its own with `hostUsers: false`, which the API server allows only \
             without host namespaces",
        ),
    );
}

/// `validateHostPathVolumeSource`: a path is required and may not step back, and the type is
/// one the kubelet knows (empty means no check).
fn host_path(cx: &mut Context, h: &HostPathVolume) {
    if let Some(kind) = h.kind.as_ref().filter(|k| !k.value.is_empty()) {
        one_of(
            cx,
            kind,
            "hostPath type (validateHostPathType)",
            HOST_PATH_TYPES,
        );
    }
    let Some(path) = h.path.as_ref().filter(|p| !p.value.is_empty()) else {
        cx.report(
            Diagnostic::new(
                &META,
                h.path.as_ref().map_or(h.key, |p| p.span),
                "the API server rejects a hostPath volume without a `path`: it is required \
                 (validateHostPathVolumeSource)",
            )
            .label("no path")
            .help("set `path` to the absolute path on the node the agent needs"),
        );
        return;
    };
    if path.value.split('/').any(|part| part == "..") {
        cx.report(
            Diagnostic::new(
                &META,
                path.span,
                format!(
                    "the API server rejects hostPath `{}`: a path must not contain `..` \
                     (validatePathNoBacksteps)",
                    path.value
                ),
            )
            .label("steps back")
            .help("write the path it resolves to, without `..`"),
        );
    }
}

/// `ValidateTolerations`.
fn toleration(cx: &mut Context, t: &Toleration) {
    // An absent or empty operator means Equal.
    let written_op = t.operator.as_ref().filter(|o| !o.value.is_empty());
    if let Some(op) = written_op
        && !one_of(
            cx,
            op,
            "toleration operator (ValidateTolerations)",
            OPERATORS,
        )
    {
        return;
    }
    let operator = written_op.map_or("Equal", |o| o.value.as_str());
    let effect = t.effect.as_ref().filter(|e| !e.value.is_empty());
    if let Some(e) = effect {
        one_of(cx, e, "toleration effect (ValidateTolerations)", EFFECTS);
    }
    let key = t.key.as_ref().filter(|k| !k.value.is_empty());
    if let Some(k) = key
        && let Some(problem) = qualified_name_problem(&k.value)
    {
        cx.report(
            Diagnostic::new(
                &META,
                k.span,
                format!(
                    "the API server rejects toleration key `{}`: toleration keys are label keys, and {problem} (ValidateTolerations)",
                    k.value
                ),
            )
            .label("not a valid label key")
            .help("use the taint's key exactly, such as `node-role.kubernetes.io/control-plane`"),
        );
    }
    if key.is_none() && operator != "Exists" {
        cx.report(
            Diagnostic::new(
                &META,
                written_op.map_or(t.span, Spanned::whole),
                "the API server rejects a toleration without a key unless it uses `operator: Exists` (ValidateTolerations)",
            )
            .label("empty key with operator Equal")
            .help("add the taint's `key`, or set `operator: Exists` to tolerate every taint"),
        );
    }
    if let Some(v) = t.value.as_ref().filter(|v| !v.value.is_empty()) {
        if operator == "Exists" {
            cx.report(
                Diagnostic::new(
                    &META,
                    v.whole(),
                    "the API server rejects a toleration with `operator: Exists` and a value (ValidateTolerations)",
                )
                .label("value not allowed with Exists")
                .help("remove `value`, or use `operator: Equal` to match this value"),
            );
        } else if let Some(problem) = label_value_problem(&v.value) {
            cx.report(
                Diagnostic::new(
                    &META,
                    v.span,
                    format!(
                        "the API server rejects toleration value `{}`: toleration values are label values, and {problem} (ValidateTolerations)",
                        v.value
                    ),
                )
                .label("not a valid label value")
                .help("use the taint's value exactly"),
            );
        }
    }
    if let Some(seconds) = &t.toleration_seconds
        && effect.is_none_or(|e| e.value != "NoExecute")
    {
        cx.report(
            Diagnostic::new(
                &META,
                seconds.whole(),
                "the API server rejects `tolerationSeconds` unless the toleration has `effect: NoExecute` (ValidateTolerations)",
            )
            .label("needs effect NoExecute")
            .help("set `effect: NoExecute`, or remove `tolerationSeconds`"),
        );
    }
}

fn container(cx: &mut Context, c: &Container) {
    // An empty imagePullPolicy is defaulted from the image tag.
    if let Some(policy) = c.image_pull_policy.as_ref().filter(|p| !p.value.is_empty()) {
        one_of(
            cx,
            policy,
            "imagePullPolicy (validatePullPolicy)",
            PULL_POLICIES,
        );
    }
    for m in &c.volume_mounts {
        let Some(prop) = &m.mount_propagation else {
            continue;
        };
        if one_of(
            cx,
            prop,
            "mountPropagation (validateMountPropagation)",
            PROPAGATIONS,
        ) && prop.value == "Bidirectional"
            && !c.privileged()
        {
            cx.report(
                Diagnostic::new(&META, prop.whole(), format!("`mountPropagation: Bidirectional` requires a privileged container, and {} is not privileged", c.describe()))
                    .label("rejected by the API server")
                    .help("if the container makes mounts the node must see (a CSI node plugin publishing volumes into pods), set `privileged: true`, which Bidirectional needs; if it only needs to see the node's mounts, use `HostToContainer`"),
            );
        }
    }
}

/// `ValidateRollingUpdateDaemonSet`, after `SetDefaults_DaemonSet` has filled in an absent
/// `maxUnavailable` with 1 and an absent `maxSurge` with 0.
fn rolling_update(cx: &mut Context, ru: &RollingUpdate) {
    let mut valid = true;
    for (field, value) in [
        ("maxUnavailable", &ru.max_unavailable),
        ("maxSurge", &ru.max_surge),
    ] {
        let Some(v) = value else { continue };
        let problem = match &v.value {
            IntOrPercent::Invalid(s) => Some(format!(
                "the API server rejects `{field}: \"{s}\"`: it is neither an integer nor a percentage like \"25%\" (ValidateRollingUpdateDaemonSet)"
            )),
            IntOrPercent::Int(i) if *i < 0 => Some(format!(
                "the API server rejects a negative `{field}` ({i}) (ValidateRollingUpdateDaemonSet)"
            )),
            IntOrPercent::Percent(p) if *p > 100 => Some(format!(
                "the API server rejects `{field}` above 100% ({p}%) (ValidateRollingUpdateDaemonSet)"
            )),
            _ => None,
        };
        if let Some(message) = problem {
            valid = false;
            cx.report(
                Diagnostic::new(&META, v.span, message)
                    .label("rejected by the API server")
                    .help("write a whole number of pods (`1`) or a quoted percentage (`\"10%\"`)"),
            );
        }
    }
    if !valid {
        return;
    }
    let unavailable = ru.max_unavailable.as_ref();
    let unavailable_zero = unavailable.is_some_and(|v| v.value.is_zero());
    let surge = ru.max_surge.as_ref().filter(|v| !v.value.is_zero());
    match (unavailable_zero, surge) {
        (true, None) => {
            let at = unavailable.map_or(ru.key, Spanned::whole);
            cx.report(
                Diagnostic::new(&META, at, "the API server rejects `maxUnavailable` and `maxSurge` both zero: the rollout could never replace a pod (ValidateRollingUpdateDaemonSet)")
                    .label("both zero")
                    .help("set `maxUnavailable: 1`, or `maxSurge: 1` to start the new pod before stopping the old one"),
            );
        }
        (false, Some(s)) => {
            let shown = match unavailable {
                Some(v) => format!("is {}", show(&v.value)),
                None => "is 1 (the default)".to_owned(),
            };
            cx.report(
                Diagnostic::new(
                    &META,
                    s.whole(),
                    format!("the API server rejects maxSurge while maxUnavailable {shown}: only one of them may be non-zero (ValidateRollingUpdateDaemonSet)"),
                )
                .label("surge needs maxUnavailable: 0")
                .help("set maxUnavailable: 0 to roll out by surging, or remove maxSurge"),
            );
        }
        _ => {}
    }
}

fn show(v: &IntOrPercent) -> String {
    match v {
        IntOrPercent::Int(i) => i.to_string(),
        IntOrPercent::Percent(p) => format!("{p}%"),
        IntOrPercent::Invalid(s) => s.clone(),
    }
}

/// Reports `value` unless it is one of `allowed`; returns whether it was allowed.
pub(super) fn one_of(
    cx: &mut Context,
    value: &Spanned<String>,
    what: &str,
    allowed: &[&str],
) -> bool {
    if allowed.contains(&value.value.as_str()) {
        return true;
    }
    let help = match suggest(&value.value, allowed) {
        Some(s) => format!(
            "did you mean `{s}`? Allowed (case-sensitive): {}",
            allowed.join(", ")
        ),
        None => format!("allowed values (case-sensitive): {}", allowed.join(", ")),
    };
    cx.report(
        Diagnostic::new(
            &META,
            value.span,
            format!("the API server rejects `{}` as a {what}", value.value),
        )
        .label("not an allowed value")
        .help(help),
    );
    false
}

#[cfg(test)]
mod tests {
    use crate::rules::test_support::positions;

    fn ds(pod: &str, strategy: &str) -> String {
        format!(
            "apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: a\nspec:\n  selector:\n    matchLabels: {{app: a}}\n{strategy}  template:\n    metadata:\n      labels: {{app: a}}\n    spec:\n{pod}      containers:\n      - name: c\n        image: i:1\n"
        )
    }

    #[test]
    fn toleration_typo_and_rules() {
        let y = ds(
            "      tolerations:\n      - {key: a, effect: NoScheduler}\n      - {operator: Equal, value: x}\n      - {key: b, operator: Exists, value: x}\n      - {key: c, effect: NoSchedule, tolerationSeconds: 5}\n",
            "",
        );
        assert_eq!(positions(&y, "DS004"), ["13:26", "14:10", "15:36", "16:38"]);
    }

    #[test]
    fn valid_tolerations_pass() {
        let y = ds(
            "      tolerations:\n      - operator: Exists\n      - {key: a, operator: Equal, value: b, effect: NoExecute, tolerationSeconds: 30}\n      - {key: a, effect: \"\"}\n",
            "",
        );
        assert!(positions(&y, "DS004").is_empty());
    }

    #[test]
    fn rollout_values() {
        // An unknown type is rejected, and rollingUpdate is then not looked at.
        let y = ds(
            "",
            "  updateStrategy:\n    type: Rolling\n    rollingUpdate:\n      maxUnavailable: \"1\"\n",
        );
        assert_eq!(positions(&y, "DS004"), ["9:11"]);
        let zero = ds(
            "",
            "  updateStrategy:\n    rollingUpdate:\n      maxUnavailable: 0\n",
        );
        assert_eq!(positions(&zero, "DS004"), ["10:7"]);
        let surge = ds(
            "",
            "  updateStrategy:\n    rollingUpdate:\n      maxUnavailable: 0\n      maxSurge: 1\n",
        );
        assert!(positions(&surge, "DS004").is_empty());
        let over = ds(
            "",
            "  updateStrategy:\n    rollingUpdate:\n      maxUnavailable: 101%\n",
        );
        assert_eq!(positions(&over, "DS004"), ["10:23"]);
    }

    #[test]
    fn surge_counts_the_default_max_unavailable() {
        let only_surge = ds(
            "",
            "  updateStrategy:\n    rollingUpdate:\n      maxSurge: 1\n",
        );
        assert_eq!(positions(&only_surge, "DS004"), ["10:7"]);
        let both = ds(
            "",
            "  updateStrategy:\n    rollingUpdate: {maxUnavailable: 10%, maxSurge: 10%}\n",
        );
        assert_eq!(positions(&both, "DS004"), ["9:42"]);
        let on_delete = ds(
            "",
            "  updateStrategy:\n    type: OnDelete\n    rollingUpdate: {maxUnavailable: 0, maxSurge: 200%}\n",
        );
        assert!(positions(&on_delete, "DS004").is_empty());
    }

    #[test]
    fn empty_strings_the_api_defaults() {
        let y = ds(
            "      restartPolicy: \"\"\n      tolerations:\n      - {key: a, operator: \"\", value: b}\n",
            "  updateStrategy:\n    type: \"\"\n",
        );
        assert!(positions(&y, "DS004").is_empty());
        let pull = y.replace("image: i:1", "image: i:1\n        imagePullPolicy: \"\"");
        assert!(positions(&pull, "DS004").is_empty());
    }

    #[test]
    fn toleration_keys_and_values_are_label_syntax() {
        let y = ds(
            "      tolerations:\n      - {key: -bad, operator: Exists}\n      - {key: a, value: has space}\n      - {key: example.com/a_b, value: ok.1}\n",
            "",
        );
        assert_eq!(positions(&y, "DS004"), ["13:15", "14:25"]);
    }
}
