//! The API server's validation, as users meet it: a manifest the API would reject fails the
//! run with a finding at the offending field that names the API rule, and one it would accept
//! (including the empty strings it defaults) passes.

mod common;

use common::{positions, run_with_stdin};
use serde_json::Value;

/// Lints `yaml` from standard input with only `rules` and returns the exit code and report.
fn lint(yaml: &str, rules: &str, extra: &[&str]) -> (i32, Value) {
    let mut args = vec![
        "--format",
        "json",
        "--no-config",
        "--fail-on",
        "error",
        "--select",
        rules,
    ];
    args.extend_from_slice(extra);
    args.push("-");
    let run = run_with_stdin(&args, Some(yaml.as_bytes()));
    let report = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("invalid JSON ({e}): {}\n{}", run.stdout, run.stderr));
    (run.code, report)
}

fn found(report: &Value) -> Vec<String> {
    positions(report)
        .into_iter()
        .map(|(code, at)| format!("{code} {at}"))
        .collect()
}

fn field<'a>(report: &'a Value, index: usize, name: &str) -> &'a str {
    report["diagnostics"][index][name]
        .as_str()
        .unwrap_or_default()
}

/// A DaemonSet with `strategy` under spec and `pod` as the pod spec (line 14 onwards when
/// `strategy` is empty).
fn ds(strategy: &str, pod: &str) -> String {
    format!(
        "apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: agent\nspec:\n{strategy}  selector:\n    matchLabels:\n      app: agent\n  template:\n    metadata:\n      labels:\n        app: agent\n    spec:\n{pod}"
    )
}

const CONTAINER: &str =
    "      containers:\n        - name: agent\n          image: example.com/agent:1.4.2\n";

#[test]
fn max_surge_alone_is_rejected_because_max_unavailable_defaults_to_one() {
    let strategy = "  updateStrategy:\n    rollingUpdate:\n      maxSurge: 1\n";
    let (code, report) = lint(&ds(strategy, CONTAINER), "DS004", &[]);
    assert_eq!(code, 1);
    assert_eq!(found(&report), ["DS004 8:7"]);
    let message = field(&report, 0, "message");
    assert!(
        message.contains("maxSurge while maxUnavailable is 1 (the default)"),
        "{message}"
    );
    assert!(
        message.contains("ValidateRollingUpdateDaemonSet"),
        "{message}"
    );
    assert!(field(&report, 0, "help").contains("maxUnavailable: 0"));

    let fixed =
        "  updateStrategy:\n    rollingUpdate:\n      maxUnavailable: 0\n      maxSurge: 1\n";
    let (code, report) = lint(&ds(fixed, CONTAINER), "DS004", &[]);
    assert_eq!((code, found(&report).len()), (0, 0));
}

#[test]
fn on_delete_ignores_rolling_update_and_defaulted_empty_strings_pass() {
    let strategy = "  updateStrategy:\n    type: OnDelete\n    rollingUpdate: {maxUnavailable: 0, maxSurge: 0}\n";
    let pod = "      restartPolicy: \"\"\n      tolerations:\n        - {key: dedicated, operator: \"\", value: x, effect: NoSchedule}\n      containers:\n        - name: agent\n          image: example.com/agent:1.4.2\n          imagePullPolicy: \"\"\n          ports: [{containerPort: 80, protocol: \"\"}]\n";
    let (code, report) = lint(&ds(strategy, pod), "DS004", &[]);
    assert_eq!(found(&report), Vec::<String>::new());
    assert_eq!(code, 0);
    let empty_type = ds("  updateStrategy:\n    type: \"\"\n", CONTAINER);
    assert_eq!(lint(&empty_type, "DS004", &[]).0, 0);
}

#[test]
fn port_mistakes_point_at_the_field() {
    let pod = "      containers:\n        - name: agent\n          image: example.com/agent:1.4.2\n          ports:\n            - {name: metrics, containerPort: 9100, protocol: tcp}\n          livenessProbe:\n            httpGet: {path: /, port: \"9100\"}\n";
    let (code, report) = lint(&ds("", pod), "DS004", &[]);
    assert_eq!(code, 1);
    assert_eq!(found(&report), ["DS004 18:62", "DS004 20:38"]);
    assert!(field(&report, 0, "help").contains("did you mean `TCP`"));
    assert!(field(&report, 1, "message").contains("a quoted number is a port name"));
    assert_eq!(
        field(&report, 1, "help"),
        "write the number without quotes: `port: 9100`"
    );
}

#[test]
fn resource_names_and_extended_resources() {
    let pod = "      containers:\n        - name: agent\n          image: example.com/agent:1.4.2\n          resources:\n            requests: {memroy: 64Mi, nvidia.com/gpu: 1}\n";
    let (code, report) = lint(&ds("", pod), "DS004,DS006", &[]);
    assert_eq!(code, 1);
    assert_eq!(found(&report), ["DS004 18:24", "DS006 18:38"]);
    assert_eq!(field(&report, 0, "help"), "did you mean `memory`?");
    assert!(field(&report, 1, "message").contains("without a limit"));

    let limit_only = "      containers:\n        - name: agent\n          image: example.com/agent:1.4.2\n          resources:\n            limits: {memory: 64Mi, nvidia.com/gpu: 1}\n";
    assert_eq!(lint(&ds("", limit_only), "DS004,DS006", &[]).0, 0);
}

#[test]
fn qos_counts_only_positive_cpu_and_memory() {
    let ephemeral = "      containers:\n        - name: agent\n          image: example.com/agent:1.4.2\n          resources:\n            requests: {ephemeral-storage: 1Gi, cpu: \"0\"}\n";
    let (_, report) = lint(&ds("", ephemeral), "DS103", &[]);
    assert_eq!(found(&report), Vec::<String>::new());

    let pod_level = "      priorityClassName: node-agents\n      resources:\n        limits: {cpu: 1, memory: 1Gi}\n        requests: {cpu: 500m}\n";
    let (_, report) = lint(&ds("", &format!("{pod_level}{CONTAINER}")), "DS103", &[]);
    assert_eq!(found(&report), ["DS103 15:7"]);
    assert!(field(&report, 0, "message").contains("pod-level"));
}

#[test]
fn apps_v1beta1_never_had_daemonsets() {
    let yaml = ds("", CONTAINER).replace("apps/v1", "apps/v1beta1");
    let (code, report) = lint(&yaml, "DS007", &[]);
    assert_eq!(code, 1);
    assert_eq!(found(&report), ["DS007 1:13"]);
    assert!(field(&report, 0, "message").contains("never had DaemonSets"));
}

#[test]
fn a_percentage_rounding_up_to_every_node_is_an_error() {
    let strategy = "  updateStrategy:\n    rollingUpdate:\n      maxUnavailable: 99%\n";
    let (code, report) = lint(
        &ds(strategy, CONTAINER),
        "DS402",
        &["--setting", "cluster-nodes=3"],
    );
    assert_eq!(code, 1);
    assert_eq!(field(&report, 0, "severity"), "error");
    assert!(field(&report, 0, "message").contains("99% of 3 nodes rounds up to 3"));
}

#[test]
fn only_restartable_init_containers_hold_host_ports_during_a_surge() {
    let strategy = "  updateStrategy:\n    rollingUpdate: {maxUnavailable: 0, maxSurge: 1}\n";
    let init = |restart: &str| {
        format!(
            "      initContainers:\n        - name: setup\n          image: example.com/setup:1\n{restart}          ports: [{{containerPort: 80, hostPort: 80}}]\n{CONTAINER}"
        )
    };
    let (code, report) = lint(&ds(strategy, &init("")), "DS403", &[]);
    assert_eq!((code, found(&report)), (0, Vec::<String>::new()));
    let sidecar = init("          restartPolicy: Always\n");
    let (code, report) = lint(&ds(strategy, &sidecar), "DS403", &[]);
    assert_eq!(code, 1);
    assert_eq!(found(&report), ["DS403 20:49"]);
}
