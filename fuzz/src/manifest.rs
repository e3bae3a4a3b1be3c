//! DaemonSets described by arbitrary data: realistic shapes with odd values where the rules
//! look (toleration keys and effects, ports, quantities, probes, hostPath volumes), written
//! in block or flow style, with anchors, aliases and merge keys.

use arbitrary::Arbitrary;

use crate::yaml::{Node, Style, map};

/// Text that is usually a value the rules know and sometimes anything at all.
#[derive(Arbitrary, Debug)]
pub enum Text {
    Known(u8),
    Any(String),
}

const KNOWN: &[&str] = &[
    "",
    " ",
    "app",
    "agent",
    "linux",
    "windows",
    "node-role.kubernetes.io/control-plane",
    "node-role.kubernetes.io/master",
    "node.kubernetes.io/not-ready",
    "node.kubernetes.io/unreachable",
    "kubernetes.io/os",
    "beta.kubernetes.io/os",
    "nvidia.com/gpu",
    "NoSchedule",
    "PreferNoSchedule",
    "NoExecute",
    "Exists",
    "Equal",
    "/var/run/docker.sock",
    "/run/containerd/containerd.sock",
    "/var/log",
    "/",
    "/etc",
    "Directory",
    "Socket",
    "ALL",
    "SYS_ADMIN",
    "NET_RAW",
    "http",
    "TCP",
    "UDP",
    "nginx:latest",
    "busybox",
    "registry.example/agent@sha256:0123",
    "{{ .Values.image }}",
    "ignore: DS301",
    "daemonlint: ignore DS201 -- reason",
    "ü日本語\u{1F600}",
    "a\r\nb",
    "line\u{2028}break",
];

impl Text {
    pub fn get(&self) -> &str {
        match self {
            Text::Known(i) => KNOWN[usize::from(*i) % KNOWN.len()],
            Text::Any(s) => s,
        }
    }

    fn node(&self) -> Node {
        Node::scalar(self.get())
    }
}

/// A number field written as Kubernetes users write them, correctly or not.
#[derive(Arbitrary, Debug)]
pub enum Number {
    Int(i64),
    Small(u8),
    Float(f64),
    Named(Text),
}

impl Number {
    fn node(&self) -> Node {
        match self {
            Number::Int(n) => Node::Plain(n.to_string()),
            Number::Small(n) => Node::Plain(n.to_string()),
            // Display never writes an exponent; NaN and infinities become YAML's spellings.
            Number::Float(f) if f.is_nan() => Node::Plain(".nan".into()),
            Number::Float(f) if f.is_infinite() => {
                Node::Plain(if *f > 0.0 { ".inf" } else { "-.inf" }.into())
            }
            Number::Float(f) => Node::Plain(f.to_string()),
            Number::Named(t) => t.node(),
        }
    }
}

/// A quantity assembled from the grammar's parts, so most are near-valid.
#[derive(Arbitrary, Debug)]
pub struct Quantity {
    sign: u8,
    whole: u64,
    fraction: Option<u32>,
    suffix: u8,
    quoted: bool,
    raw: Option<Text>,
}

const SUFFIXES: &[&str] = &[
    "", "m", "k", "M", "G", "T", "P", "E", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei", "n", "u", "e3",
    "E-2", "e", "K", "mi", "i", "Kib", ".",
];

impl Quantity {
    fn node(&self) -> Node {
        if let Some(raw) = &self.raw {
            return raw.node();
        }
        let sign = ["", "+", "-"][usize::from(self.sign) % 3];
        let fraction = self.fraction.map(|f| format!(".{f}")).unwrap_or_default();
        let suffix = SUFFIXES[usize::from(self.suffix) % SUFFIXES.len()];
        let text = format!("{sign}{}{fraction}{suffix}", self.whole);
        if self.quoted {
            Node::quoted(&text)
        } else {
            Node::scalar(&text)
        }
    }
}

#[derive(Arbitrary, Debug)]
pub struct Toleration {
    key: Option<Text>,
    operator: Option<Text>,
    value: Option<Text>,
    effect: Option<Text>,
    seconds: Option<Number>,
}

#[derive(Arbitrary, Debug)]
pub struct Port {
    container_port: Option<Number>,
    host_port: Option<Number>,
    name: Option<Text>,
    protocol: Option<Text>,
}

#[derive(Arbitrary, Debug)]
pub enum Handler {
    Http { path: Text, port: Number },
    Tcp { port: Number },
    Exec(Vec<Text>),
    Grpc { port: Number },
}

#[derive(Arbitrary, Debug)]
pub struct Probe {
    handler: Handler,
    initial_delay: Option<Number>,
    period: Option<Number>,
    failure_threshold: Option<Number>,
}

#[derive(Arbitrary, Debug)]
pub struct Mount {
    name: Text,
    path: Text,
    read_only: Option<bool>,
}

#[derive(Arbitrary, Debug)]
pub struct Container {
    name: Text,
    image: Option<Text>,
    ports: Vec<Port>,
    requests: Vec<(Text, Quantity)>,
    limits: Vec<(Text, Quantity)>,
    liveness: Option<Probe>,
    readiness: Option<Probe>,
    privileged: Option<bool>,
    escalation: Option<bool>,
    read_only_root: Option<bool>,
    add: Vec<Text>,
    drop: Vec<Text>,
    mounts: Vec<Mount>,
}

#[derive(Arbitrary, Debug)]
pub struct Volume {
    name: Text,
    host_path: Option<Text>,
    host_path_type: Option<Text>,
}

#[derive(Arbitrary, Debug)]
pub struct DaemonSet {
    api_version: Text,
    apps_v1: bool,
    name: Option<Text>,
    namespace: Option<Text>,
    labels: Vec<(Text, Text)>,
    /// The selector is an alias of the template's labels, as in charts that anchor them.
    alias_selector: bool,
    /// The template's labels merge the anchored ones with `<<` and add their own.
    merge_labels: Option<(Text, Text)>,
    annotations: Vec<(Text, Text)>,
    max_unavailable: Option<Number>,
    on_delete: bool,
    tolerations: Vec<Toleration>,
    node_selector: Vec<(Text, Text)>,
    host_network: Option<bool>,
    host_pid: Option<bool>,
    priority_class: Option<Text>,
    grace: Option<Number>,
    containers: Vec<Container>,
    init_containers: Vec<Container>,
    volumes: Vec<Volume>,
    /// Depth of a nested value hung under an annotation, to reach the depth limits.
    nesting: u8,
    /// Which collections are written flow rather than block, bit by bit.
    flow: u16,
}

#[derive(Arbitrary, Debug)]
pub struct Stream {
    pub daemonsets: Vec<DaemonSet>,
    /// The documents are items of one `kind: List`.
    pub as_list: bool,
    pub leading_marker: bool,
}

/// The YAML text of a stream and the number of documents in it.
pub fn render(stream: &Stream) -> (String, usize) {
    let mut out = String::new();
    if stream.as_list {
        let items = stream.daemonsets.iter().map(DaemonSet::node).collect();
        let list = map(
            Style::Block,
            vec![
                ("apiVersion", Node::Plain("v1".into())),
                ("kind", Node::Plain("List".into())),
                ("items", Node::Seq(items, Style::Block)),
            ],
        );
        if stream.leading_marker {
            out.push_str("---\n");
        }
        crate::yaml::write(&list, &mut out);
        out.push('\n');
        return (out, 1);
    }
    for (i, ds) in stream.daemonsets.iter().enumerate() {
        if i > 0 || stream.leading_marker {
            out.push_str("---\n");
        }
        crate::yaml::write(&ds.node(), &mut out);
        out.push('\n');
    }
    (out, stream.daemonsets.len())
}

fn pairs(style: Style, pairs: &[(Text, Text)]) -> Node {
    Node::Map(
        pairs
            .iter()
            .map(|(k, v)| (Node::key(k.get()), v.node()))
            .collect(),
        style,
    )
}

fn push(entries: &mut Vec<(&'static str, Node)>, key: &'static str, value: Option<Node>) {
    if let Some(value) = value {
        entries.push((key, value));
    }
}

/// One bit of `flow` per kind of collection, so each varies on its own.
fn style(flow: u16, bit: u32) -> Style {
    if flow & (1 << bit) != 0 {
        Style::Flow
    } else {
        Style::Block
    }
}

fn nested(depth: u8) -> Node {
    let mut node = Node::Plain("leaf".into());
    // The parser's limit is 200 levels; the manifest around this uses about ten.
    for level in 0..(depth % 160) {
        node = if level % 2 == 0 {
            Node::Seq(vec![node], Style::Block)
        } else {
            map(Style::Block, vec![("k", node)])
        };
    }
    node
}

impl DaemonSet {
    fn node(&self) -> Node {
        let s = |bit| style(self.flow, bit);
        let labels = pairs(s(0), &self.labels);
        let anchored = self.alias_selector || self.merge_labels.is_some();
        let mut metadata = Vec::new();
        push(&mut metadata, "name", self.name.as_ref().map(Text::node));
        push(
            &mut metadata,
            "namespace",
            self.namespace.as_ref().map(Text::node),
        );
        let mut annotations = pairs(s(1), &self.annotations);
        if self.nesting > 0
            && let Node::Map(entries, _) = &mut annotations
        {
            entries.push((Node::key("deep"), nested(self.nesting)));
        }
        metadata.push(("annotations", annotations));
        let selector_labels = if anchored {
            Node::Anchored("labels".into(), Box::new(labels.clone()))
        } else {
            labels.clone()
        };
        let template_labels = match (&self.merge_labels, self.alias_selector) {
            (Some((k, v)), _) => Node::Map(
                vec![
                    (Node::Plain("<<".into()), Node::Alias("labels".into())),
                    (Node::key(k.get()), v.node()),
                ],
                s(2),
            ),
            (None, true) => Node::Alias("labels".into()),
            (None, false) => labels,
        };
        let mut strategy = Vec::new();
        if self.on_delete {
            strategy.push(("type", Node::Plain("OnDelete".into())));
        }
        if let Some(n) = &self.max_unavailable {
            strategy.push((
                "rollingUpdate",
                map(s(3), vec![("maxUnavailable", n.node())]),
            ));
        }
        let spec = map(
            Style::Block,
            vec![
                (
                    "selector",
                    map(s(4), vec![("matchLabels", selector_labels)]),
                ),
                ("updateStrategy", map(s(5), strategy)),
                (
                    "template",
                    map(
                        Style::Block,
                        vec![
                            ("metadata", map(s(6), vec![("labels", template_labels)])),
                            ("spec", self.pod_spec()),
                        ],
                    ),
                ),
            ],
        );
        let api_version = if self.apps_v1 {
            Node::Plain("apps/v1".into())
        } else {
            self.api_version.node()
        };
        map(
            Style::Block,
            vec![
                ("apiVersion", api_version),
                ("kind", Node::Plain("DaemonSet".into())),
                ("metadata", map(Style::Block, metadata)),
                ("spec", spec),
            ],
        )
    }

    fn pod_spec(&self) -> Node {
        let s = |bit| style(self.flow, bit);
        let mut entries = Vec::new();
        let tolerations = self.tolerations.iter().map(|t| t.node(s(7))).collect();
        entries.push(("tolerations", Node::Seq(tolerations, s(8))));
        entries.push(("nodeSelector", pairs(s(9), &self.node_selector)));
        push(&mut entries, "hostNetwork", self.host_network.map(boolean));
        push(&mut entries, "hostPID", self.host_pid.map(boolean));
        push(
            &mut entries,
            "priorityClassName",
            self.priority_class.as_ref().map(Text::node),
        );
        push(
            &mut entries,
            "terminationGracePeriodSeconds",
            self.grace.as_ref().map(Number::node),
        );
        let containers = |list: &[Container]| {
            Node::Seq(
                list.iter().map(|c| c.node(s(10), s(11))).collect(),
                Style::Block,
            )
        };
        entries.push(("containers", containers(&self.containers)));
        if !self.init_containers.is_empty() {
            entries.push(("initContainers", containers(&self.init_containers)));
        }
        let volumes = self.volumes.iter().map(|v| v.node(s(12))).collect();
        entries.push(("volumes", Node::Seq(volumes, s(13))));
        map(Style::Block, entries)
    }
}

fn boolean(b: bool) -> Node {
    Node::Plain(b.to_string())
}

impl Toleration {
    fn node(&self, style: Style) -> Node {
        let mut entries = Vec::new();
        push(&mut entries, "key", self.key.as_ref().map(Text::node));
        push(
            &mut entries,
            "operator",
            self.operator.as_ref().map(Text::node),
        );
        push(&mut entries, "value", self.value.as_ref().map(Text::node));
        push(&mut entries, "effect", self.effect.as_ref().map(Text::node));
        push(
            &mut entries,
            "tolerationSeconds",
            self.seconds.as_ref().map(Number::node),
        );
        map(style, entries)
    }
}

impl Port {
    fn node(&self, style: Style) -> Node {
        let mut entries = Vec::new();
        push(
            &mut entries,
            "containerPort",
            self.container_port.as_ref().map(Number::node),
        );
        push(
            &mut entries,
            "hostPort",
            self.host_port.as_ref().map(Number::node),
        );
        push(&mut entries, "name", self.name.as_ref().map(Text::node));
        push(
            &mut entries,
            "protocol",
            self.protocol.as_ref().map(Text::node),
        );
        map(style, entries)
    }
}

impl Probe {
    fn node(&self, style: Style) -> Node {
        let handler = match &self.handler {
            Handler::Http { path, port } => (
                "httpGet",
                map(style, vec![("path", path.node()), ("port", port.node())]),
            ),
            Handler::Tcp { port } => ("tcpSocket", map(style, vec![("port", port.node())])),
            Handler::Grpc { port } => ("grpc", map(style, vec![("port", port.node())])),
            Handler::Exec(command) => (
                "exec",
                map(
                    style,
                    vec![(
                        "command",
                        Node::Seq(command.iter().map(Text::node).collect(), style),
                    )],
                ),
            ),
        };
        let mut entries = vec![handler];
        push(
            &mut entries,
            "initialDelaySeconds",
            self.initial_delay.as_ref().map(Number::node),
        );
        push(
            &mut entries,
            "periodSeconds",
            self.period.as_ref().map(Number::node),
        );
        push(
            &mut entries,
            "failureThreshold",
            self.failure_threshold.as_ref().map(Number::node),
        );
        map(style, entries)
    }
}

fn quantities(style: Style, list: &[(Text, Quantity)]) -> Node {
    Node::Map(
        list.iter()
            .map(|(k, q)| (Node::key(resource_name(k)), q.node()))
            .collect(),
        style,
    )
}

/// Mostly the resources the rules know, so quantities land where they are parsed.
fn resource_name(t: &Text) -> &str {
    match t {
        Text::Known(i) => {
            ["cpu", "memory", "ephemeral-storage", "nvidia.com/gpu"][usize::from(*i) % 4]
        }
        Text::Any(s) => s,
    }
}

impl Container {
    fn node(&self, outer: Style, inner: Style) -> Node {
        let mut entries = vec![("name", self.name.node())];
        push(&mut entries, "image", self.image.as_ref().map(Text::node));
        if !self.ports.is_empty() {
            let ports = self.ports.iter().map(|p| p.node(inner)).collect();
            entries.push(("ports", Node::Seq(ports, outer)));
        }
        entries.push((
            "resources",
            map(
                outer,
                vec![
                    ("requests", quantities(inner, &self.requests)),
                    ("limits", quantities(inner, &self.limits)),
                ],
            ),
        ));
        push(
            &mut entries,
            "livenessProbe",
            self.liveness.as_ref().map(|p| p.node(inner)),
        );
        push(
            &mut entries,
            "readinessProbe",
            self.readiness.as_ref().map(|p| p.node(inner)),
        );
        let mut security = Vec::new();
        push(&mut security, "privileged", self.privileged.map(boolean));
        push(
            &mut security,
            "allowPrivilegeEscalation",
            self.escalation.map(boolean),
        );
        push(
            &mut security,
            "readOnlyRootFilesystem",
            self.read_only_root.map(boolean),
        );
        let caps = |list: &[Text]| Node::Seq(list.iter().map(Text::node).collect(), inner);
        security.push((
            "capabilities",
            map(
                inner,
                vec![("add", caps(&self.add)), ("drop", caps(&self.drop))],
            ),
        ));
        entries.push(("securityContext", map(outer, security)));
        let mounts = self
            .mounts
            .iter()
            .map(|m| {
                let mut e = vec![("name", m.name.node()), ("mountPath", m.path.node())];
                push(&mut e, "readOnly", m.read_only.map(boolean));
                map(inner, e)
            })
            .collect();
        entries.push(("volumeMounts", Node::Seq(mounts, outer)));
        map(Style::Block, entries)
    }
}

impl Volume {
    fn node(&self, style: Style) -> Node {
        let mut entries = vec![("name", self.name.node())];
        match &self.host_path {
            Some(path) => {
                let mut host = vec![("path", path.node())];
                push(
                    &mut host,
                    "type",
                    self.host_path_type.as_ref().map(Text::node),
                );
                entries.push(("hostPath", map(style, host)));
            }
            None => entries.push(("emptyDir", map(style, Vec::new()))),
        }
        map(style, entries)
    }
}
