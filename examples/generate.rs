//! Writes N realistic DaemonSet manifest files for benchmarks:
//! `cargo run --release --example generate -- 1000 target/bench/1k`.
//!
//! Files vary deterministically: collectors, CNI and CSI agents; hardened and flawed;
//! one DaemonSet per file, or a DaemonSet with its ServiceAccount and ConfigMap.

use std::fmt::Write;
use std::path::PathBuf;

const AGENTS: &[(&str, &str, &str)] = &[
    (
        "node-exporter",
        "quay.io/prometheus/node-exporter",
        "v1.8.2",
    ),
    ("fluent-bit", "cr.fluentbit.io/fluent/fluent-bit", "3.1.4"),
    ("filebeat", "docker.elastic.co/beats/filebeat", "8.11.0"),
    ("calico-node", "docker.io/calico/node", "v3.27.0"),
    (
        "csi-node",
        "registry.k8s.io/sig-storage/csi-node-driver-registrar",
        "v2.10.0",
    ),
    ("promtail", "docker.io/grafana/promtail", "3.0.0"),
];

fn daemonset(i: usize) -> String {
    let (name, image, tag) = AGENTS[i % AGENTS.len()];
    let flawed = i.is_multiple_of(3);
    let name = format!("{name}-{i}");
    let mut s = String::new();
    let _ = write!(
        s,
        "apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: {name}
  namespace: agents-{ns}
  labels:
    app.kubernetes.io/name: {name}
    app.kubernetes.io/part-of: platform
spec:
  selector:
    matchLabels:
      app.kubernetes.io/name: {name}
  updateStrategy:
    type: RollingUpdate
    rollingUpdate:
      maxUnavailable: {unavailable}
  template:
    metadata:
      labels:
        app.kubernetes.io/name: {sel}
      annotations:
        prometheus.io/scrape: \"true\"
        prometheus.io/port: \"9100\"
    spec:
      priorityClassName: system-node-critical
      serviceAccountName: {name}
      hostNetwork: {host}
      nodeSelector:
        kubernetes.io/os: linux
      tolerations:
        - key: node-role.kubernetes.io/control-plane
          operator: Exists
          effect: {effect}
        - key: node.kubernetes.io/not-ready
          operator: Exists
          effect: NoExecute
      terminationGracePeriodSeconds: 30
      containers:
        - name: agent
          image: {image}:{tag}
          imagePullPolicy: IfNotPresent
          args:
            - --log.level=info
            - --web.listen-address=:9100
          env:
            - name: NODE_NAME
              valueFrom:
                fieldRef:
                  fieldPath: spec.nodeName
          ports:
            - name: metrics
              containerPort: 9100
          resources:
            requests:
              cpu: 100m
              memory: {memory}
            limits:
              cpu: 200m
              memory: 256Mi
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            privileged: {flawed}
            capabilities:
              drop: [ALL]
          livenessProbe:
            httpGet:
              path: /healthz
              port: metrics
            initialDelaySeconds: 30
            failureThreshold: 3
          readinessProbe:
            httpGet:
              path: /ready
              port: metrics
          volumeMounts:
            - name: proc
              mountPath: /host/proc
              readOnly: true
            - name: sys
              mountPath: /host/sys
              readOnly: {not_flawed}
            - name: varlog
              mountPath: /var/log
              readOnly: true
      volumes:
        - name: proc
          hostPath:
            path: /proc
        - name: sys
          hostPath:
            path: /sys
        - name: varlog
          hostPath:
            path: /var/log
",
        ns = i % 7,
        unavailable = if flawed { "\"100%\"" } else { "1" },
        sel = if i.is_multiple_of(11) {
            "other".to_owned()
        } else {
            name.clone()
        },
        host = i.is_multiple_of(2),
        effect = if i.is_multiple_of(13) {
            "NoScheduler"
        } else {
            "NoSchedule"
        },
        memory = if i.is_multiple_of(17) {
            "300MB"
        } else {
            "128Mi"
        },
        flawed = flawed,
        not_flawed = !flawed,
    );
    s
}

/// A metrics proxy sidecar, as many agents ship with.
fn sidecar(i: usize) -> String {
    format!(
        "        - name: kube-rbac-proxy
          image: quay.io/brancz/kube-rbac-proxy:v0.18.{patch}
          args:
            - --secure-listen-address=0.0.0.0:8443
            - --upstream=http://127.0.0.1:9100/
            - --tls-cipher-suites=TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
          ports:
            - name: https
              containerPort: 8443
          resources:
            requests:
              cpu: 10m
              memory: 20Mi
            limits:
              cpu: 50m
              memory: 64Mi
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            runAsNonRoot: true
            runAsUser: 65532
            capabilities:
              drop: [ALL]
",
        patch = i % 3
    )
}

fn companions(i: usize) -> String {
    format!(
        "---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: agent-{i}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: agent-{i}-config
data:
  agent.yaml: |
    ---
    scrape_interval: 15s
    targets: [a, b, c]
"
    )
}

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let count: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(1000);
    let dir = PathBuf::from(
        args.next()
            .unwrap_or_else(|| "target/bench/generated".into()),
    );
    std::fs::create_dir_all(&dir)?;
    let mut bytes = 0;
    for i in 0..count {
        let mut text = daemonset(i);
        if i.is_multiple_of(2) {
            // Containers come last in the pod spec, so the sidecar can be appended after the
            // volumes only by inserting it before them.
            if let Some(at) = text.find("      volumes:") {
                text.insert_str(at, &sidecar(i));
            }
        }
        if i.is_multiple_of(4) {
            text.push_str(&companions(i));
        }
        bytes += text.len();
        std::fs::write(dir.join(format!("agent-{i:05}.yaml")), text)?;
    }
    eprintln!("wrote {count} files, {bytes} bytes, to {}", dir.display());
    Ok(())
}
