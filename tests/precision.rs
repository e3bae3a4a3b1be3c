//! The agent profile as a user meets it: findings that depend on what the agent is, the ways to
//! say what it is (the `profile` setting, per object in a config, and the annotation), and
//! kustomize patches told apart from complete DaemonSets without looking at labels.

mod common;

use common::{daemonlint, json, temp_dir, write_temp};

/// A DaemonSet of an in-house image, with a 5-second grace period: DS404 cannot tell from the
/// manifest whether it buffers data.
const AGENT: &str = "apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: shipper
  namespace: logging
spec:
  selector:
    matchLabels: {app: shipper}
  template:
    metadata:
      labels: {app: shipper}
    spec:
      terminationGracePeriodSeconds: 5
      containers:
        - name: shipper
          image: example.com/inhouse/shipper:2.1.0
";

/// DS404's severities and messages in a JSON report.
fn ds404(report: &serde_json::Value) -> Vec<(String, String)> {
    report["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter(|d| d["code"] == "DS404")
        .map(|d| {
            (
                d["severity"].as_str().unwrap_or_default().to_owned(),
                d["message"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

/// `(message, help)` of each finding of `code` when `yaml` is linted from a file in the
/// temporary folder `test`.
fn told(test: &str, yaml: &str, code: &str) -> Vec<(String, String)> {
    lint(test, yaml, &["--select", code])
        .iter()
        .map(|d| (text(d, "message"), text(d, "help")))
        .collect()
}

/// The diagnostics of the JSON report when `yaml` is linted from a file in the temporary
/// folder `test`, with `args` before the path.
fn lint(test: &str, yaml: &str, args: &[&str]) -> Vec<serde_json::Value> {
    listed(test, yaml, args, "diagnostics")
}

/// Like [`lint`], what the report lists as not linted (DS009 notes).
fn not_linted(test: &str, yaml: &str, args: &[&str]) -> Vec<serde_json::Value> {
    listed(test, yaml, args, "not_linted")
}

fn listed(test: &str, yaml: &str, args: &[&str], key: &str) -> Vec<serde_json::Value> {
    let path = write_temp(&temp_dir(test), "ds.yaml", yaml.as_bytes());
    let path = path.to_string_lossy();
    let (_, report) = json(&[args, &[path.as_ref()]].concat());
    report[key].as_array().expect(key).clone()
}

/// A string field of a diagnostic, empty when it is missing.
fn text(d: &serde_json::Value, field: &str) -> String {
    d[field].as_str().unwrap_or_default().to_owned()
}

#[test]
fn an_unknown_agent_is_not_told_to_flush_and_a_declared_log_shipper_is() {
    let dir = temp_dir("precision-profile");
    let file = write_temp(&dir, "ds.yaml", AGENT.as_bytes());
    let path = file.to_str().expect("utf-8 path");

    let (code, report) = json(&["--no-config", path]);
    assert!(ds404(&report).is_empty(), "it may buffer nothing");
    assert_eq!(code, 1, "other warnings still fail the run");

    let (_, report) = json(&["--no-config", "--setting", "profile=log-collector", path]);
    let found = ds404(&report);
    assert_eq!(found[0].0, "warning");
    assert!(
        found[0]
            .1
            .contains("a log shipper needs time to flush its buffer"),
        "{}",
        found[0].1
    );

    let (_, report) = json(&["--no-config", "--setting", "profile=network", path]);
    assert!(ds404(&report).is_empty(), "a network agent buffers nothing");
}

#[test]
fn the_annotation_wins_over_the_config_override() {
    let dir = temp_dir("precision-annotation");
    write_temp(
        &dir,
        ".daemonlint.yaml",
        b"overrides:\n  - objects: [\"logging/*\"]\n    settings: {profile: log-collector}\n    reason: the in-house shipper buffers\n",
    );
    let plain = write_temp(&dir, "plain.yaml", AGENT.as_bytes());
    let annotated_text = AGENT.replace(
        "  namespace: logging\n",
        "  namespace: logging\n  annotations:\n    daemonlint.io/profile: metrics-exporter\n",
    );
    let annotated = write_temp(&dir, "annotated.yaml", annotated_text.as_bytes());

    let (_, report) = json(&[plain.to_str().expect("utf-8")]);
    assert_eq!(ds404(&report)[0].0, "warning", "the override applies");
    let (_, report) = json(&[annotated.to_str().expect("utf-8")]);
    assert!(ds404(&report).is_empty(), "the annotation wins");
}

#[test]
fn an_unknown_profile_in_the_settings_stops_the_run() {
    let run = daemonlint(&["--no-config", "--setting", "profile=logs", "fixtures"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("unknown profile `logs`") && run.stderr.contains("log-collector"),
        "{}",
        run.stderr
    );
}

#[test]
fn patches_are_told_by_their_images_not_their_labels() {
    let dir = temp_dir("precision-patch");
    // A patch that adds tolerations and labels: no selector, no image.
    let patch = write_temp(
        &dir,
        "patch.yaml",
        b"apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: shipper
spec:
  template:
    metadata:
      labels: {team: logging}
    spec:
      containers:
        - name: shipper
          resources:
            limits: {memory: 512Mi}
",
    );
    let (code, report) = json(&["--no-config", patch.to_str().expect("utf-8")]);
    assert_eq!(report["summary"]["partial"], 1);
    assert_eq!(report["summary"]["daemonsets"], 0);
    assert_eq!(code, 0, "nothing judged: {report}");

    // A patch that adds an init container with its image: still no container image.
    let init = write_temp(
        &dir,
        "init-patch.yaml",
        b"apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: plugin
spec:
  template:
    spec:
      initContainers:
        - name: setup
          image: example.com/setup:1.0
",
    );
    let (code, report) = json(&["--no-config", init.to_str().expect("utf-8")]);
    assert_eq!(report["summary"]["partial"], 1);
    assert_eq!(report["summary"]["daemonsets"], 0);
    assert_eq!(code, 0, "nothing judged: {report}");

    // A complete DaemonSet that forgot its selector: it has images, so it is judged.
    let forgot = write_temp(
        &dir,
        "forgot.yaml",
        AGENT
            .replace("  selector:\n    matchLabels: {app: shipper}\n", "")
            .as_bytes(),
    );
    let (code, report) = json(&["--no-config", forgot.to_str().expect("utf-8")]);
    assert_eq!(report["summary"]["partial"], 0);
    assert_eq!(code, 1);
    let codes: Vec<&str> = report["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter_map(|d| d["code"].as_str())
        .collect();
    assert!(codes.contains(&"DS003"), "{codes:?}");
}

#[test]
fn a_critical_best_effort_pod_is_told_it_starves_not_that_it_is_evicted() {
    let run = daemonlint(&[
        "--no-config",
        "--select",
        "DS101",
        "--format",
        "concise",
        "fixtures/DS101/fires-best-effort-critical.yaml",
        "fixtures/DS101/fires-best-effort.yaml",
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", run.stdout);
    assert!(
        lines[0].ends_with(
            "the pod is BestEffort, so nothing is reserved for it and it gets the smallest cpu \
             share on a busy node (its priority class keeps it from eviction, not from starving)"
        ),
        "{}",
        lines[0]
    );
    assert!(
        lines[1]
            .ends_with("the pod is BestEffort, the first to be evicted when the node runs short"),
        "{}",
        lines[1]
    );
}

#[test]
fn a_bidirectional_mount_outside_a_csi_plugin_is_questioned_with_the_privilege() {
    let (code, report) = json(&[
        "--no-config",
        "--select",
        "DS303",
        "fixtures/DS303/fires-bidirectional-outside-csi.yaml",
        "fixtures/DS303/clean-csi-bidirectional.yaml",
    ]);
    assert_eq!(code, 1);
    assert_eq!(report["diagnostics"].as_array().map(Vec::len), Some(1));
    let help = report["diagnostics"][0]["help"]
        .as_str()
        .unwrap_or_default();
    assert!(
        help.starts_with("its `mountPropagation: Bidirectional` mount of `/host/data` needs it")
            && help.contains("if the agent mounts nothing the host must see, drop both")
            && help.contains("`# daemonlint: ignore DS303 -- Bidirectional mount of /host/data`"),
        "{help}"
    );
}

#[test]
fn a_privileged_container_s_runtime_socket_is_pointed_at_by_ds303_not_ds302() {
    let (code, report) = json(&[
        "--no-config",
        "--select",
        "DS302,DS303",
        "fixtures/DS302/clean-privileged-container.yaml",
    ]);
    assert_eq!(code, 1);
    let found: Vec<(String, u64)> = report["diagnostics"]
        .as_array()
        .map(|ds| {
            ds.iter()
                .map(|d| {
                    (
                        d["code"].as_str().unwrap_or_default().to_owned(),
                        d["line"].as_u64().unwrap_or_default(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(found, [("DS303".to_owned(), 23)]);
    let related = &report["diagnostics"][0]["related"][0];
    assert_eq!(related["line"].as_u64(), Some(30));
    assert_eq!(related["column"].as_u64(), Some(19));
    assert_eq!(
        related["message"].as_str(),
        Some("the container runtime's socket too")
    );
}

#[test]
fn a_log_shipper_on_the_host_network_is_told_how_to_reach_the_kubelet_without_it() {
    let (_, report) = json(&[
        "--no-config",
        "--select",
        "DS307",
        "fixtures/DS307/fires-collector-host-network.yaml",
    ]);
    let help = report["diagnostics"][0]["help"]
        .as_str()
        .unwrap_or_default();
    assert!(
        help.contains("`status.hostIP`") && !help.contains("log shippers do not need it"),
        "{help}"
    );
}

#[test]
fn a_trace_shipper_on_the_host_network_gets_no_fluent_bit_advice() {
    let (_, report) = json(&[
        "--no-config",
        "--select",
        "DS307",
        "fixtures/DS307/fires-trace-shipper-host-network.yaml",
    ]);
    let help = report["diagnostics"][0]["help"]
        .as_str()
        .unwrap_or_default();
    assert!(
        help.contains("`status.hostIP`") && !help.contains("Fluent Bit"),
        "{help}"
    );
}

/// A CSI node plugin without limits is asked for a memory limit only, even by a team that
/// wants cpu limits: the rule does not want a cpu limit on a data-path agent, so neither the
/// message nor the example names one.
#[test]
fn a_csi_plugin_is_asked_for_memory_only() {
    let found: Vec<(String, String)> = lint(
        "precision-csi-limits",
        "apiVersion: apps/v1
kind: DaemonSet
metadata: {name: csi-node, namespace: kube-system}
spec:
  selector: {matchLabels: {app: csi-node}}
  template:
    metadata: {labels: {app: csi-node}}
    spec:
      containers:
        - name: plugin
          image: example/csi-plugin:1.2.0
          resources: {requests: {cpu: 10m, memory: 64Mi}}
          volumeMounts: [{name: reg, mountPath: /registration}]
      volumes:
        - {name: reg, hostPath: {path: /var/lib/kubelet/plugins_registry, type: Directory}}
",
        &["--select", "DS102", "--setting", "require-cpu-limit=true"],
    )
    .iter()
    .map(|d| (text(d, "message"), text(d, "help")))
    .collect();
    assert_eq!(
        found,
        [(
            "container `plugin` has no memory limit: a memory spike in the agent grows until the \
             node runs short of memory, then the agent is evicted or OOM-killed mid-work, and \
             workloads using more than they request are evicted with it"
                .to_owned(),
            "set `resources.limits` with headroom over the agent's peak use, e.g. `limits: \
             {memory: 256Mi}`"
                .to_owned()
        )]
    );
}

/// A privileged container that only sleeps uses none of its privilege: DS303 says to remove
/// it, not to keep it for a Bidirectional mount. One that configures the node first and then
/// sleeps gets the usual advice.
#[test]
fn a_privileged_sleeper_is_told_to_drop_the_privilege() {
    let manifest = |script: &str| {
        format!(
            "apiVersion: apps/v1
kind: DaemonSet
metadata: {{name: validator, namespace: gpu}}
spec:
  selector: {{matchLabels: {{app: validator}}}}
  template:
    metadata: {{labels: {{app: validator}}}}
    spec:
      containers:
        - name: sleeper
          image: example/validator:1.0.0
          command: [sh, -c]
          args: [{script}]
          securityContext: {{privileged: true}}
          volumeMounts: [{{name: run, mountPath: /run/validations, mountPropagation: Bidirectional}}]
      volumes:
        - {{name: run, hostPath: {{path: /run/validations}}}}
"
        )
    };
    let help = |script: &str| {
        let found = told("precision-privileged-sleeper", &manifest(script), "DS303");
        found
            .first()
            .map(|(_, help)| help.clone())
            .unwrap_or_default()
    };
    assert!(
        help("'echo validations done && sleep infinity'").starts_with(
            "its shell script only prints and sleeps, so its own process uses none of the \
             privilege: if nothing is run in it, remove `privileged: true`"
        ),
        "{}",
        help("'echo validations done && sleep infinity'")
    );
    let configures = help("'ip link set eth1 up; sleep infinity'");
    assert!(
        configures.starts_with("its `mountPropagation: Bidirectional` mount"),
        "{configures}"
    );
}

/// An agent that declares no port and has no readiness probe has nothing in the manifest a
/// liveness probe could ask: not reported. One with a readiness probe made a considered choice:
/// not reported either. A portless log shipper, whose stalls lose logs silently, is still warned
/// and told how to probe its output.
#[test]
fn a_portless_or_ready_agent_is_left_alone_and_a_portless_log_shipper_warned() {
    let labeller = "apiVersion: apps/v1
kind: DaemonSet
metadata: {name: labeller, namespace: kube-system}
spec:
  selector: {matchLabels: {app: labeller}}
  template:
    metadata: {labels: {app: labeller}}
    spec:
      containers:
        - {name: labeller, image: example/node-labeller:2.0.0}
";
    let ready = labeller.replace(
        "image: example/node-labeller:2.0.0}",
        "image: example/node-labeller:2.0.0, readinessProbe: {exec: {command: [labeller, status]}}}",
    );
    let shipper = labeller.replace("example/node-labeller:2.0.0", "fluent/fluentd:v1.17.1-1.0");
    let mut seen = Vec::new();
    for (test, yaml) in [
        ("precision-portless-labeller", labeller.to_owned()),
        ("precision-portless-ready", ready),
        ("precision-portless-shipper", shipper),
    ] {
        for d in lint(test, &yaml, &["--select", "DS601"]) {
            let help = text(&d, "help");
            seen.push((
                text(&d, "severity"),
                help.split_once(':')
                    .map_or("", |(_, rest)| rest)
                    .trim()
                    .to_owned(),
            ));
        }
    }
    assert_eq!(
        seen,
        [(
            "warning".to_owned(),
            "add a `monitor_agent` source to its config (`@type monitor_agent`, `port \
                 24220`) and an httpGet livenessProbe on `/api/plugins.json` at that port, with \
                 `failureThreshold: 3` or more; a hung fluentd stops shipping silently"
                .to_owned()
        )]
    );
    // A shipper whose endpoint the linter cannot name is run without one upstream.
    let filebeat = labeller.replace(
        "example/node-labeller:2.0.0",
        "docker.elastic.co/beats/filebeat:8.15.0",
    );
    assert!(
        lint(
            "precision-portless-filebeat",
            &filebeat,
            &["--select", "DS601"]
        )
        .is_empty()
    );
}

/// On Windows nodes there is no OOM killer, so DS102 does not promise one.
#[test]
fn a_windows_agent_without_a_memory_limit_is_told_what_windows_does() {
    let found = told(
        "precision-windows-limit",
        "apiVersion: apps/v1
kind: DaemonSet
metadata: {name: win-agent, namespace: monitoring}
spec:
  selector: {matchLabels: {app: win-agent}}
  template:
    metadata: {labels: {app: win-agent}}
    spec:
      nodeSelector: {kubernetes.io/os: windows}
      containers:
        - name: agent
          image: example/win-agent:1.0.0
          resources: {requests: {cpu: 100m, memory: 128Mi}}
",
        "DS102",
    );
    let message = found.first().map(|(m, _)| m.as_str()).unwrap_or_default();
    assert!(message.contains("Windows has no OOM killer"), "{message}");
    assert!(!message.contains("OOM-killed"), "{message}");
}

/// A container that declares no resources beside one that does gets one finding asking for
/// both its requests and its memory limit, not a DS101 and a DS102 on the same line.
#[test]
fn a_container_without_resources_gets_one_finding_for_requests_and_limit() {
    let diagnostics = lint(
        "precision-no-resources",
        "apiVersion: apps/v1
kind: DaemonSet
metadata: {name: collector, namespace: monitoring}
spec:
  selector: {matchLabels: {app: collector}}
  template:
    metadata: {labels: {app: collector}}
    spec:
      containers:
        - name: collector
          image: otel/opentelemetry-collector-contrib:0.104.0
        - name: exporter
          image: prom/node-exporter:v1.8.2
          resources: {requests: {cpu: 10m, memory: 32Mi}, limits: {memory: 64Mi}}
",
        &["--select", "DS101,DS102"],
    );
    let found: Vec<(String, u64, String)> = diagnostics
        .iter()
        .map(|d| {
            (
                text(d, "code"),
                d["line"].as_u64().unwrap_or_default(),
                text(d, "message"),
            )
        })
        .collect();
    assert_eq!(
        found,
        [(
            "DS101".to_owned(),
            10,
            "container `collector` declares no cpu or memory: no request, and no memory limit"
                .to_owned()
        )]
    );
    let help = text(&diagnostics[0], "help");
    assert!(help.contains("`limits: {memory: 256Mi}`"), "{help}");
}

/// With cpu limits left to the team (the default), DS103 does not push a shipper to
/// Guaranteed QoS, which would need one: it asks for the memory request to meet the limit.
#[test]
fn a_burstable_shipper_without_cpu_limits_is_asked_to_match_memory_only() {
    let found = told(
        "precision-ds103-memory",
        "apiVersion: apps/v1
kind: DaemonSet
metadata: {name: fluent-bit, namespace: logging}
spec:
  selector: {matchLabels: {app: fluent-bit}}
  template:
    metadata: {labels: {app: fluent-bit}}
    spec:
      priorityClassName: node-agents
      containers:
        - name: fluent-bit
          image: cr.fluentbit.io/fluent/fluent-bit:3.1.4
          resources: {requests: {cpu: 100m, memory: 128Mi}, limits: {memory: 256Mi}}
",
        "DS103",
    );
    assert_eq!(
        found,
        [(
            "the pod is Burstable, not Guaranteed: container `fluent-bit` requests 128Mi memory \
             but is limited to 256Mi"
                .to_owned(),
            "set the memory request equal to the memory limit: a pod that never uses more memory \
             than it requests is among the last the kubelet evicts under memory pressure \
             (Guaranteed QoS would also need cpu limits equal to requests)"
                .to_owned()
        )]
    );
}

#[test]
fn an_object_the_api_server_refuses_gets_its_refusal_and_nothing_else() {
    let privileged = AGENT.replace(
        "image: example.com/inhouse/shipper:2.1.0\n",
        "image: example.com/inhouse/shipper:latest\n          securityContext: {privileged: true}\n",
    );
    let valid = lint("precision-accepted", &privileged, &["--no-config"]);
    let codes = |found: &[serde_json::Value]| -> Vec<String> {
        found.iter().map(|d| text(d, "code")).collect()
    };
    assert!(codes(&valid).contains(&"DS303".to_owned()), "{valid:?}");

    let removed = privileged.replace("apiVersion: apps/v1", "apiVersion: extensions/v1beta1");
    let refused = lint("precision-removed", &removed, &["--no-config"]);
    assert_eq!(codes(&refused), ["DS007"]);
    let held = valid.len();
    // The help names the rules that wait, DS303 among them.
    let help = text(&refused[0], "help");
    assert!(
        help.contains(&format!(
            "; {held} checklist findings on this DaemonSet wait until the API server would take it \
             (DS"
        )) && help.contains("DS303 privileged-container"),
        "{refused:?}"
    );

    let no_selector = privileged.replace("  selector:\n    matchLabels: {app: shipper}\n", "");
    let refused = lint("precision-no-selector", &no_selector, &["--no-config"]);
    assert_eq!(codes(&refused), ["DS003"]);

    // A wrong value is fixed in place: the rest of the object is still what will deploy.
    let wrong_value = privileged.replace(
        "terminationGracePeriodSeconds: 5",
        "terminationGracePeriodSeconds: 5\n      tolerations: [{operator: Exists, effect: NoScheduler}]",
    );
    let found = codes(&lint(
        "precision-wrong-value",
        &wrong_value,
        &["--no-config"],
    ));
    assert!(found.contains(&"DS004".to_owned()), "{found:?}");
    assert!(found.contains(&"DS303".to_owned()), "{found:?}");
}

#[test]
fn a_moving_tag_kept_by_if_not_present_points_at_the_policy() {
    let yaml = std::fs::read_to_string("fixtures/DS801/fires-latest-if-not-present.yaml")
        .expect("fixture");
    let found = lint("precision-pull-policy", &yaml, &["--select", "DS801"]);
    assert_eq!(found.len(), 1, "{found:?}");
    let related = &found[0]["related"][0];
    assert_eq!(
        (&related["line"], &related["column"]),
        (&21.into(), &11.into())
    );
    assert_eq!(
        text(related, "message"),
        "each node keeps the build it pulled first, even across rollouts"
    );
    let always = yaml.replace("IfNotPresent", "Always");
    let found = lint("precision-pull-always", &always, &["--select", "DS801"]);
    assert!(found[0].get("related").is_none(), "{found:?}");
}

#[test]
fn a_placeholder_is_told_how_to_fill_it_by_its_kind() {
    let cases = [
        (
            "example.com/agent:${TAG}",
            "lint the substituted manifest: `envsubst < FILE | daemonlint -`",
        ),
        (
            "docker.elastic.co/beats/auditbeat:%VERSION%",
            "fill the placeholder in as the project's build or docs do (a Makefile's `sed`), and \
             lint the result",
        ),
        (
            "sigwindowstools/kube-proxy:VERSION",
            "fill the placeholder in as the project's build or docs do (a Makefile's `sed`), and \
             lint the result",
        ),
        (
            "FILLED BY THE OPERATOR",
            "an operator fills this in: lint the DaemonSet it creates, e.g. `kubectl get \
             daemonset NAME -o yaml | daemonlint -`",
        ),
    ];
    for image in ["registry.local:5000/agent", "example.com/agent:v1.2.0-RC1"] {
        let yaml = AGENT.replace("example.com/inhouse/shipper:2.1.0", image);
        assert!(
            not_linted("precision-placeholder", &yaml, &["--no-config"]).is_empty(),
            "{image}"
        );
    }
    for (image, help) in cases {
        let yaml = AGENT.replace("example.com/inhouse/shipper:2.1.0", &format!("\"{image}\""));
        let found = not_linted("precision-placeholder", &yaml, &["--no-config"]);
        let helps: Vec<String> = found.iter().map(|d| text(d, "help")).collect();
        assert_eq!(helps, [help], "{image}");
    }
}

#[test]
fn an_agent_that_reserves_nothing_is_told_a_priority_class_comes_after_its_requests() {
    let yaml = std::fs::read_to_string("fixtures/DS501/clean-only-sidecar-reserves.yaml")
        .expect("fixture");
    let found = lint(
        "precision-reserves-nothing",
        &yaml,
        &["--select", "DS101,DS501"],
    );
    let codes: Vec<String> = found.iter().map(|d| text(d, "code")).collect();
    assert_eq!(codes, ["DS101"], "{found:?}");
    assert!(
        text(&found[0], "help").ends_with(
            "; then a priorityClassName above your workloads' keeps the agent placed and ahead \
             of them in eviction"
        ),
        "{found:?}"
    );
}

#[test]
fn a_non_root_container_on_a_low_port_is_not_given_net_bind_service() {
    let yaml = std::fs::read_to_string("fixtures/fix/before/DS304-low-port.yaml").expect("fixture");
    let told = |yaml: &str| -> Vec<(String, String)> {
        lint("precision-low-port", yaml, &["--select", "DS304"])
            .iter()
            .map(|d| {
                let fix = d["fix"]["edits"].to_string();
                (text(d, "help"), fix)
            })
            .collect()
    };
    let root = told(&yaml);
    assert!(root[0].0.contains("NET_BIND_SERVICE"), "{root:?}");
    assert!(root[0].1.contains("NET_BIND_SERVICE"), "{root:?}");
    // An added capability does not survive a non-root process's execve.
    let non_root = yaml.replace(
        "    spec:\n      hostNetwork: true\n",
        "    spec:\n      hostNetwork: true\n      securityContext: {runAsUser: 1000}\n",
    );
    assert_ne!(non_root, yaml);
    for (help, fix) in told(&non_root) {
        assert!(!help.contains("NET_BIND_SERVICE"), "{help}");
        assert!(!fix.contains("NET_BIND_SERVICE"), "{fix}");
    }
}

/// The selector cannot change once the DaemonSet exists: the help (and the fix) select the
/// identifying label, not the version beside it.
#[test]
fn a_missing_selector_is_told_to_select_the_identifying_label_not_the_version() {
    let found = told(
        "precision-ds003-version",
        "apiVersion: apps/v1
kind: DaemonSet
metadata: {name: nodeagent}
spec:
  template:
    metadata: {labels: {version: v1, app: nodeagent}}
    spec:
      containers: [{name: nodeagent, image: example.com/nodeagent:1.2.0}]
",
        "DS003",
    );
    assert_eq!(found.len(), 1);
    assert!(
        found[0]
            .1
            .starts_with("add `selector: {matchLabels: {app: nodeagent}}` matching"),
        "{}",
        found[0].1
    );
}

/// A stock fluentd-kubernetes-daemonset agent, up to its image; tests add what they judge.
const FLUENTD: &str = "apiVersion: apps/v1
kind: DaemonSet
metadata: {name: fluentd, namespace: logging}
spec:
  selector: {matchLabels: {app: fluentd}}
  template:
    metadata: {labels: {app: fluentd}}
    spec:
      containers:
        - name: fluentd
          image: fluent/fluentd-kubernetes-daemonset:v1.17.1-debian-elasticsearch8-1.0
";

/// `system-node-critical` is for what the node cannot work without: a log shipper is told to
/// pick a class of its own, and no fix guesses one; a network agent gets the class and the fix.
#[test]
fn only_agents_the_node_needs_are_given_system_node_critical() {
    let shipper = format!(
        "{FLUENTD}          resources: {{requests: {{cpu: 100m, memory: 200Mi}}, limits: {{memory: 500Mi}}}}\n"
    );
    let shipper = shipper.as_str();
    let found = lint("precision-ds501-shipper", shipper, &["--select", "DS501"]);
    assert_eq!(found.len(), 1);
    assert!(found[0].get("fix").is_none(), "{}", found[0]);
    assert!(
        text(&found[0], "help").starts_with("set a priority class above your workloads'"),
        "{}",
        found[0]
    );
    let network = shipper
        .replace(
            "fluent/fluentd-kubernetes-daemonset:v1.17.1-debian-elasticsearch8-1.0",
            "registry.k8s.io/kube-proxy:v1.31.0",
        )
        .replace("fluentd", "kube-proxy");
    let found = lint("precision-ds501-network", &network, &["--select", "DS501"]);
    assert_eq!(found.len(), 1);
    assert!(found[0].get("fix").is_some(), "{}", found[0]);
    assert!(
        text(&found[0], "help").starts_with("set `priorityClassName: system-node-critical`"),
        "{}",
        found[0]
    );
}

#[test]
fn a_best_effort_pod_with_a_priority_class_is_not_called_the_first_evicted() {
    let found = lint("precision-best-effort", AGENT, &["--select", "DS101"]);
    assert!(
        text(&found[0], "message").contains("the first to be evicted"),
        "{found:?}"
    );
    let ranked = AGENT.replace(
        "      containers:",
        "      priorityClassName: logging-high\n      containers:",
    );
    let found = lint(
        "precision-best-effort-ranked",
        &ranked,
        &["--select", "DS101"],
    );
    let message = text(&found[0], "message");
    assert!(
        message.contains("evicted before every pod that stays within its requests"),
        "{message}"
    );
    assert!(!message.contains("the first to be evicted"), "{message}");
}

#[test]
fn dropping_all_keeps_the_capabilities_the_container_adds() {
    let adds = AGENT.replace(
        "          image: example.com/inhouse/shipper:2.1.0\n",
        "          image: example.com/inhouse/shipper:2.1.0\n          securityContext:\n            capabilities: {add: [SYS_PTRACE]}\n",
    );
    let help = told("precision-ds304-adds", &adds, "DS304").remove(0).1;
    assert!(help.contains("keeping `add: [SYS_PTRACE]`"), "{help}");
    let low_port = adds.replace(
        "capabilities: {add: [SYS_PTRACE]}\n",
        "capabilities: {add: [SYS_PTRACE]}\n          ports: [{containerPort: 53}]\n",
    );
    let help = told("precision-ds304-adds-port", &low_port, "DS304")
        .remove(0)
        .1;
    assert!(
        help.contains("{drop: [ALL], add: [SYS_PTRACE, NET_BIND_SERVICE]}"),
        "{help}"
    );
}

#[test]
fn a_whole_run_folder_is_told_to_mount_one_socket() {
    let (_, report) = json(&["--select", "DS302", "fixtures/DS302/fires-whole-run.yaml"]);
    let help = report["diagnostics"][0]["help"]
        .as_str()
        .unwrap_or_default();
    assert!(
        help.starts_with("mount only the one runtime socket"),
        "{help}"
    );
    let (_, report) = json(&[
        "--select",
        "DS302",
        "fixtures/DS302/fires-docker-socket.yaml",
    ]);
    let help = report["diagnostics"][0]["help"]
        .as_str()
        .unwrap_or_default();
    assert!(
        help.starts_with("read container metadata from the kubelet"),
        "{help}"
    );
}

#[test]
fn a_low_memory_limit_is_explained_by_what_the_agent_does() {
    let limited = AGENT.replace(
        "          image: example.com/inhouse/shipper:2.1.0\n",
        "          image: example.com/inhouse/shipper:2.1.0\n          resources: {requests: {cpu: 10m, memory: 32Mi}, limits: {memory: 32Mi}}\n",
    );
    let help = |yaml: &str, test: &str| {
        let found = lint(test, yaml, &["--select", "DS104"]);
        text(&found[0], "help")
    };
    let network = limited.replace(
        "example.com/inhouse/shipper:2.1.0",
        "docker.io/calico/node:v3.28.0",
    );
    assert!(
        help(&network, "precision-ds104-network").contains("what it serves stops on its node"),
        "{network}"
    );
    let shipper = limited.replace(
        "example.com/inhouse/shipper:2.1.0",
        "cr.fluentbit.io/fluent/fluent-bit:3.1.4",
    );
    assert!(help(&shipper, "precision-ds104-shipper").contains("log and metric bursts"));
}

#[test]
fn a_read_only_root_is_asked_of_hardened_containers_with_what_they_add_back() {
    let hardened = AGENT.replace(
        "          image: example.com/inhouse/shipper:2.1.0\n",
        "          image: example.com/inhouse/shipper:2.1.0\n          securityContext:\n            capabilities: {drop: [ALL], add: [NET_BIND_SERVICE]}\n",
    );
    let found = lint("precision-ds308-adds", &hardened, &["--select", "DS308"]);
    let message = text(&found[0], "message");
    assert!(
        message.contains("drops every capability except NET_BIND_SERVICE, yet can still write"),
        "{message}"
    );
    // A dangerous capability reaches the node: DS305 is the finding, not this one.
    let dangerous = hardened.replace("NET_BIND_SERVICE", "NET_ADMIN");
    let found = lint(
        "precision-ds308-dangerous",
        &dangerous,
        &["--select", "DS308"],
    );
    assert!(found.is_empty(), "{found:?}");
    let root = lint("precision-ds308-root", AGENT, &["--select", "DS308"]);
    assert!(root.is_empty(), "{root:?}");
}

/// A log collector's writable `/var/log` is a warning when its own config, in the input, keeps
/// a position file there (the help quotes the line to move), and a note when the config is
/// not in the input and the image's stock config decides.
#[test]
fn a_collectors_writable_log_folder_warns_only_when_its_config_is_at_hand() {
    let severity_and_help = |fixture: &str| {
        let yaml = std::fs::read_to_string(fixture).expect("fixture");
        let found = lint("precision-log-positions", &yaml, &["--select", "DS301"]);
        assert_eq!(found.len(), 1, "{fixture}: {found:?}");
        (text(&found[0], "severity"), text(&found[0], "help"))
    };
    let (severity, help) = severity_and_help("fixtures/DS301/fires-writable-log-mount.yaml");
    assert_eq!(severity, "warning");
    assert!(
        help.contains("(`DB                /var/log/flb_kube.db`)"),
        "{help}"
    );
    let (severity, help) =
        severity_and_help("fixtures/DS301/fires-writable-log-mount-stock-config.yaml");
    assert_eq!(severity, "note");
    assert!(
        help.starts_with("mount the host's `/var/log/pods` read-only at `/var/log/pods` too"),
        "{help}"
    );
}

/// Windows has no privileged containers: on a Windows-only pod the flag is dead config, a
/// warning that says so, not the error that the container runs privileged.
#[test]
fn privileged_on_a_windows_only_pod_is_a_dead_flag() {
    let yaml =
        std::fs::read_to_string("fixtures/DS303/fires-windows-privileged.yaml").expect("fixture");
    let found = lint(
        "precision-windows-privileged",
        &yaml,
        &["--select", "DS303"],
    );
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(text(&found[0], "severity"), "warning");
    assert!(text(&found[0], "message").ends_with("Windows containers have no privileged mode"));
    let linux = yaml.replace("kubernetes.io/os: windows", "kubernetes.io/os: linux");
    let found = lint(
        "precision-windows-privileged",
        &linux,
        &["--select", "DS303"],
    );
    assert_eq!(text(&found[0], "severity"), "error");
    // The capabilities a privileged container also adds show where its needs lie.
    let adds = linux.replace(
        "            privileged: true",
        "            privileged: true\n            capabilities: {add: [NET_ADMIN, SYS_ADMIN]}",
    );
    let help = told("precision-windows-privileged", &adds, "DS303")
        .remove(0)
        .1;
    assert!(
        help.starts_with("it also adds `NET_ADMIN` and `SYS_ADMIN`, which privileged mode grants"),
        "{help}"
    );
}

/// Docker Engine runs containerd underneath: a pod that mounts both sockets untyped is told
/// that most nodes lack one, not that no node has both; with CRI-O's, no node has them all.
/// (The agent is privileged: DS303 decides its power, so DS302 leaves the sockets to DS309.)
#[test]
fn untyped_docker_and_containerd_sockets_can_meet_on_one_node() {
    let yaml = |second: &str| {
        format!(
            "apiVersion: apps/v1
kind: DaemonSet
metadata: {{name: agent, namespace: monitoring}}
spec:
  selector: {{matchLabels: {{app: agent}}}}
  template:
    metadata: {{labels: {{app: agent}}}}
    spec:
      containers:
        - name: agent
          image: example/agent:1.2.3
          securityContext: {{privileged: true}}
          volumeMounts:
            - {{name: docker, mountPath: /var/run/docker.sock}}
            - {{name: other, mountPath: /run/other.sock}}
      volumes:
        - {{name: docker, hostPath: {{path: /var/run/docker.sock}}}}
        - {{name: other, hostPath: {{path: {second}}}}}
"
        )
    };
    let message = |second: &str| {
        let found = lint(
            "precision-runtime-sockets",
            &yaml(second),
            &["--select", "DS309"],
        );
        assert_eq!(found.len(), 1, "{found:?}");
        text(&found[0], "message")
    };
    let docker_node = message("/run/containerd/containerd.sock");
    assert!(
        docker_node.contains("most nodes lack some of them"),
        "{docker_node}"
    );
    let nowhere = message("/var/run/crio/crio.sock");
    assert!(
        nowhere.contains("no node runs all of these runtimes"),
        "{nowhere}"
    );
}

/// A portless Fluent Bit is told of its own health endpoint, not of an exec probe.
#[test]
fn a_portless_fluent_bit_is_told_of_its_health_endpoint() {
    let yaml = "apiVersion: apps/v1
kind: DaemonSet
metadata: {name: fluent-bit, namespace: logging}
spec:
  selector: {matchLabels: {app: fluent-bit}}
  template:
    metadata: {labels: {app: fluent-bit}}
    spec:
      containers:
        - {name: fluent-bit, image: cr.fluentbit.io/fluent/fluent-bit:3.1.4}
";
    let found = lint("precision-fluent-bit-health", yaml, &["--select", "DS601"]);
    assert_eq!(found.len(), 1, "{found:?}");
    let help = text(&found[0], "help");
    assert!(
        help.starts_with("Fluent Bit serves `/api/v1/health`"),
        "{help}"
    );
}

/// The critical-pod annotation only ever counted in `kube-system`: elsewhere the help does not
/// call `system-node-critical` what it used to give, and no fix guesses the class.
#[test]
fn the_legacy_critical_annotation_outside_kube_system_gets_no_system_class() {
    let yaml = std::fs::read_to_string("fixtures/DS501/fires-legacy-critical-annotation.yaml")
        .expect("fixture");
    let found = lint("precision-legacy-critical", &yaml, &["--select", "DS501"]);
    assert!(
        text(&found[0], "help").starts_with("remove the annotation, which only ever counted"),
        "{found:?}"
    );
    assert!(found[0]["fix"].is_null(), "{found:?}");
    let system = yaml.replace("namespace: splunk", "namespace: kube-system");
    let found = lint("precision-legacy-critical", &system, &["--select", "DS501"]);
    assert!(
        text(&found[0], "help").starts_with("set `priorityClassName: system-node-critical`"),
        "{found:?}"
    );
    assert!(!found[0]["fix"].is_null(), "{found:?}");
}

/// A Secrets Store CSI provider is one the node's pods cannot start without, so DS501 suggests
/// `system-node-critical`; outside `kube-system` the help adds that a cluster may admit the
/// class only with a ResourceQuota, and in `kube-system` it does not.
#[test]
fn a_secrets_store_provider_is_node_critical_with_the_quota_caveat_outside_kube_system() {
    let yaml = std::fs::read_to_string("fixtures/DS501/fires-secrets-store-provider.yaml")
        .expect("fixture");
    let help = told("precision-ds501-provider", &yaml, "DS501").remove(0).1;
    assert!(
        help.starts_with("set `priorityClassName: system-node-critical` (in `secrets-store`")
            && help.contains("ResourceQuota"),
        "{help}"
    );
    let in_kube_system = yaml.replace("namespace: secrets-store", "namespace: kube-system");
    let help = told(
        "precision-ds501-provider-kube-system",
        &in_kube_system,
        "DS501",
    )
    .remove(0)
    .1;
    assert!(
        help.starts_with("set `priorityClassName: system-node-critical` if")
            && !help.contains("ResourceQuota"),
        "{help}"
    );
}

/// A v1 `fluentd-kubernetes-daemonset` image serves Prometheus metrics on 24231 from its own
/// `fluent.conf`, so DS601's help names that port; with a ConfigMap over `/fluentd/etc`, or
/// another conf named by `FLUENTD_PROMETHEUS_CONF`, the image's config is gone and the help
/// names fluentd's `monitor_agent` input instead.
#[test]
fn a_stock_fluentd_image_is_told_its_bundled_metrics_port() {
    let shipper = format!(
        "{FLUENTD}          volumeMounts:\n            - {{name: varlog, mountPath: /var/log}}\n      volumes:\n        - {{name: varlog, hostPath: {{path: /var/log}}}}\n"
    );
    let shipper = shipper.as_str();
    let help = |yaml: &str, test: &str| {
        let found = told(test, yaml, "DS601");
        assert_eq!(found.len(), 1, "{found:?}");
        found[0].1.clone()
    };
    let stock = help(shipper, "precision-ds601-fluentd");
    assert!(stock.contains("serves `/metrics` on port 24231"), "{stock}");
    let own_config = shipper.replace(
        "            - {name: varlog, mountPath: /var/log}\n",
        "            - {name: varlog, mountPath: /var/log}\n            - {name: config, mountPath: /fluentd/etc}\n",
    );
    let replaced = help(&own_config, "precision-ds601-fluentd-config");
    assert!(replaced.contains("`monitor_agent`"), "{replaced}");
    let disabled = shipper.replace(
        "          volumeMounts:\n",
        "          env: [{name: FLUENTD_PROMETHEUS_CONF, value: disable}]\n          volumeMounts:\n",
    );
    let disabled = help(&disabled, "precision-ds601-fluentd-disabled");
    assert!(disabled.contains("`monitor_agent`"), "{disabled}");
}

/// GPU feature discovery's `NVIDIA_MIG_MONITOR_DEVICES=all` needs CAP_SYS_ADMIN, which DS303's
/// help offers in place of privileged mode.
#[test]
fn a_mig_monitor_is_told_it_needs_sys_admin_not_privileged() {
    let yaml = std::fs::read_to_string("fixtures/DS303/fires-mig-monitor-privileged.yaml")
        .expect("fixture");
    let help = told("precision-ds303-mig", &yaml, "DS303").remove(0).1;
    assert!(
        help.starts_with("its `NVIDIA_MIG_MONITOR_DEVICES` needs `CAP_SYS_ADMIN`")
            && help.contains("`capabilities: {add: [SYS_ADMIN]}`"),
        "{help}"
    );
}

/// A cloud controller manager is what `system-cluster-critical` is for: DS501's help names it.
#[test]
fn a_cloud_controller_manager_is_told_system_cluster_critical() {
    let ccm = "apiVersion: apps/v1
kind: DaemonSet
metadata: {name: openstack-cloud-controller-manager, namespace: kube-system}
spec:
  selector: {matchLabels: {app: occm}}
  template:
    metadata: {labels: {app: occm}}
    spec:
      nodeSelector: {node-role.kubernetes.io/control-plane: \"\"}
      containers:
        - name: openstack-cloud-controller-manager
          image: registry.k8s.io/provider-os/openstack-cloud-controller-manager:v1.31.0
          resources: {requests: {cpu: 200m}}
";
    let help = told("precision-ds501-ccm", ccm, "DS501").remove(0).1;
    assert!(
        help.starts_with("set `priorityClassName: system-cluster-critical`: a cloud controller"),
        "{help}"
    );
}

/// A privileged flannel, whose upstream runs without privilege, is an error naming upstream's
/// capability list; calico-node, which ships privileged, is not reported.
#[test]
fn a_dataplane_s_privilege_is_reported_only_where_upstream_runs_without_it() {
    let (code, report) = json(&[
        "--no-config",
        "--select",
        "DS303",
        "fixtures/DS303/clean-network-dataplane.yaml",
        "fixtures/DS303/fires-flannel-privileged.yaml",
    ]);
    assert_eq!(code, 1);
    let found = report["diagnostics"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(text(&found[0], "severity"), "error");
    assert_eq!(
        text(&found[0], "help"),
        "flannel's own manifests run it without privilege, with `capabilities: {add: [NET_ADMIN, \
         NET_RAW]}`: use that in place of `privileged: true`"
    );
}

/// On Windows nodes a request only counts in scheduling: DS101 says that, not the Linux QoS
/// story of cpu shares and eviction order.
#[test]
fn a_windows_agent_without_requests_is_told_what_a_request_does_there() {
    let (_, report) = json(&[
        "--no-config",
        "--select",
        "DS101",
        "fixtures/DS101/fires-windows-host-process.yaml",
    ]);
    let d = &report["diagnostics"][0];
    let message = text(d, "message");
    assert!(
        message.contains("on Windows nodes a request only counts in scheduling")
            && !message.contains("BestEffort")
            && !message.contains("cpu share"),
        "{message}"
    );
}

/// A container that adds NET_ADMIN programs iptables, whose legacy backend needs NET_RAW: the
/// help keeps it beside NET_ADMIN, and no one-capability fix is offered.
#[test]
fn dropping_all_beside_net_admin_keeps_net_raw() {
    let yaml = std::fs::read_to_string("fixtures/fix/before/DS304-low-port.yaml")
        .expect("fixture")
        .replace("add: [SYS_PTRACE]", "add: [NET_ADMIN]");
    let found = lint("precision-net-raw", &yaml, &["--select", "DS304"]);
    let other = found
        .iter()
        .find(|d| text(d, "help").contains("NET_ADMIN"))
        .expect("the container that adds NET_ADMIN");
    assert!(
        text(other, "help").starts_with(
            "set `capabilities: {drop: [ALL], add: [NET_ADMIN, NET_RAW, NET_BIND_SERVICE]}`"
        ),
        "{other}"
    );
    assert!(other.get("fix").is_none_or(|f| f.is_null()), "{other}");
}

/// DS010 is an error for an object the DaemonSet needs in a removed version, a warning for a
/// PodSecurityPolicy (its kind is gone, so the DaemonSet loses nothing), and says so when the
/// DaemonSet's own version is gone too.
#[test]
fn removed_api_beside_weighs_what_the_daemonset_loses() {
    let daemonset = "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: a}\nspec:\n  selector: {matchLabels: {app: a}}\n  template:\n    metadata: {labels: {app: a}}\n    spec:\n      containers: [{name: c, image: example.com/agent:1.0.0}]\n";
    let rbac = format!(
        "apiVersion: rbac.authorization.k8s.io/v1beta1\nkind: ClusterRole\nmetadata: {{name: a}}\nrules: []\n---\n{daemonset}"
    );
    let psp = format!(
        "apiVersion: policy/v1beta1\nkind: PodSecurityPolicy\nmetadata: {{name: a}}\nspec: {{}}\n---\n{daemonset}"
    );
    let old = rbac.replace("apiVersion: apps/v1\n", "apiVersion: extensions/v1beta1\n");
    let found = |test: &str, yaml: &str| -> Vec<(String, String)> {
        lint(test, yaml, &["--select", "DS010"])
            .iter()
            .map(|d| (text(d, "severity"), text(d, "message")))
            .collect()
    };
    let rbac = found("precision-ds010-rbac", &rbac);
    assert_eq!(rbac.len(), 1, "{rbac:?}");
    assert_eq!(rbac[0].0, "error");
    assert!(rbac[0].1.ends_with("runs without it"), "{}", rbac[0].1);
    let psp = found("precision-ds010-psp", &psp);
    assert_eq!(psp[0].0, "warning", "{psp:?}");
    let old = found("precision-ds010-old", &old);
    assert!(old[0].1.contains("gone too: DS007"), "{old:?}");
}
