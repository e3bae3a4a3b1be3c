//! `daemonlint coverage --nodes NODES [PATHS]`: which nodes of a real cluster each DaemonSet
//! runs on, and why it misses the others, decided as the DaemonSet controller and the default
//! scheduler decide it. A taint or a resource shortfall is usually a bug; a nodeSelector is
//! usually intent, so only the former fail the run by default.

mod analyze;
mod classes;
mod cluster;
pub mod nodes;
mod placement;
mod pools;
mod report;
mod requests;

use clap::{Args, ValueEnum};

use crate::config::lookup::Lookup;
use crate::config::{DEFAULT_MAX_FILE_SIZE, Excludes};
use crate::discover::{Input, Origin, Request, discover};
use crate::model::toleration::{DaemonPodTolerations, PodToleration};
use crate::model::{DaemonSet, PodSpec};
use crate::rules::ds001_yaml_syntax;
use crate::rules::host_paths::runtime_sockets;
use crate::source::SourceFile;

use classes::{Classes, RuntimeClass};

pub use analyze::{Analysis, analyze};
pub use cluster::{cluster, required_taints};
pub use nodes::Node;

#[derive(Args, Debug)]
pub struct CoverageArgs {
    /// Node objects: a file or folder holding the output of `kubectl get nodes -o yaml` (or
    /// `-o json`), or `-` for standard input.
    #[arg(long, value_name = "NODES")]
    pub nodes: String,

    /// DaemonSet manifests, with the RuntimeClass and PriorityClass objects they name: files
    /// and folders (`-` reads standard input). Default: the current folder.
    pub paths: Vec<String>,

    /// `human` for people, `json` for tools.
    #[arg(long, value_enum, default_value_t = CoverageFormat::Human)]
    pub format: CoverageFormat,

    /// `problems`: fail when a DaemonSet misses a node for a reason other than its own
    /// nodeSelector or node affinity (a taint, resources, the pod count, a host port, a pod
    /// admission rejects);
    /// `any`: on every missed node; `never`.
    #[arg(long, value_enum, default_value_t = CoverageFailOn::Problems)]
    pub fail_on: CoverageFailOn,

    /// Also fail on nodes missed by a DaemonSet's own nodeSelector or node affinity (the
    /// same as `--fail-on any`).
    #[arg(long, conflicts_with = "fail_on")]
    pub fail_on_selector: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum CoverageFormat {
    Human,
    Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum CoverageFailOn {
    Problems,
    Any,
    Never,
}

/// Why a DaemonSet has no running pod on a node, by the check that stopped it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Cause {
    Selector,
    Affinity,
    Taint,
    HostPort,
    Pods,
    Resources,
    /// Admission rejects every pod of the DaemonSet.
    Rejected,
    /// The pod is bound but never starts: a volume requires a runtime socket the node's
    /// runtime does not provide.
    Socket,
}

impl Cause {
    pub fn as_str(self) -> &'static str {
        match self {
            Cause::Selector => "selector",
            Cause::Affinity => "affinity",
            Cause::Taint => "taint",
            Cause::HostPort => "host-port",
            Cause::Pods => "pods",
            Cause::Resources => "resources",
            Cause::Rejected => "rejected",
            Cause::Socket => "socket",
        }
    }

    /// The DaemonSet's own choice of nodes, rather than something keeping it off them.
    pub fn intended(self) -> bool {
        matches!(self, Cause::Selector | Cause::Affinity)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Miss {
    pub cause: Cause,
    pub reasons: Vec<String>,
}

/// One DaemonSet, with what its pods carry to every node.
pub struct Agent<'a> {
    pub namespace: Option<String>,
    pub name: String,
    pub file: String,
    pub line: usize,
    pub pod: &'a PodSpec,
    pub tolerations: DaemonPodTolerations<'a>,
    /// With the RuntimeClass's pod overhead.
    pub requests: requests::Resources,
    pub ports: Vec<requests::HostPort>,
    /// The RuntimeClass the pod names, when it is among the given objects.
    pub runtime: Option<&'a RuntimeClass>,
    /// Why admission rejects every pod, when it does.
    pub rejected: Option<String>,
    /// Higher priorities bind first: they preempt lower ones for resources and ports.
    pub priority: i64,
    /// Runtime sockets a volume requires (`type: Socket`): the runtime and the host path.
    pub sockets: Vec<(&'static str, String)>,
    /// What the report could not take into account.
    pub notes: Vec<String>,
}

impl<'a> Agent<'a> {
    pub fn new(ds: &'a DaemonSet, source: &SourceFile, classes: &'a Classes) -> Option<Agent<'a>> {
        let pod = ds.pod()?;
        let name = ds.metadata.name.as_ref();
        let line = name.map_or(1, |n| source.position(n.key.start).line);
        let mut notes = Vec::new();
        let runtime = pod.runtime_class_name.as_ref().and_then(|n| {
            let found = classes.runtime(&n.value);
            if found.is_none() {
                notes.push(format!(
                    "RuntimeClass `{}` is not among the given objects: its pod overhead, \
                     nodeSelector and tolerations are not counted",
                    n.value
                ));
            }
            found
        });
        let class = pod.priority_class_name.as_ref().map(|c| c.value.as_str());
        let default = classes.priority(None).unwrap_or(0);
        let priority = classes.priority(class).unwrap_or_else(|| {
            notes.push(format!(
                "PriorityClass `{}` is not among the given objects: its priority is taken as \
                 {default}, the default",
                class.unwrap_or_default()
            ));
            default
        });
        let mut tolerations = DaemonPodTolerations::of(pod);
        let mut requests = requests::pod_requests(pod);
        if let Some(rc) = runtime {
            admit_tolerations(&mut tolerations, rc);
            requests::add(&mut requests, &rc.overhead);
        }
        Some(Agent {
            namespace: ds.metadata.namespace.as_ref().map(|n| n.value.clone()),
            name: name.map_or_else(|| "<unnamed>".to_owned(), |n| n.value.clone()),
            file: source.name.clone(),
            line,
            pod,
            tolerations,
            requests,
            ports: requests::host_ports(pod),
            rejected: runtime.and_then(|rc| selector_conflict(pod, rc)),
            runtime,
            priority,
            sockets: runtime_sockets(pod)
                .into_iter()
                .filter(|s| s.required.is_some())
                .map(|s| (s.runtime, s.path.value.clone()))
                .collect(),
            notes,
        })
    }

    /// `namespace/name`, as kubectl users write it.
    pub fn display(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("{ns}/{}", self.name),
            None => self.name.clone(),
        }
    }

    /// Whether the pod looks at a node's name or a label that only one node has, so pools
    /// cannot stand for their nodes.
    fn per_node(&self, pools: &pools::Pools) -> bool {
        let keys = &pools.per_node_keys;
        let selects = self
            .pod
            .node_selector
            .iter()
            .any(|p| keys.contains(&p.value.0));
        let affinity = self
            .pod
            .required_node_terms
            .iter()
            .flatten()
            .filter_map(|r| r.key.as_ref())
            .any(|k| keys.contains(&k.value));
        let fields = self.pod.required_node_fields.iter().any(|f| !f.is_empty());
        selects || affinity || fields
    }
}

/// The RuntimeClass admission plugin appends the class's tolerations the pod does not have
/// yet, after the ones the DaemonSet controller wrote into it.
fn admit_tolerations<'a>(tolerations: &mut DaemonPodTolerations<'a>, rc: &'a RuntimeClass) {
    for t in &rc.tolerations {
        let terms = t.terms();
        if !tolerations.list.iter().any(|p| p.terms == terms) {
            tolerations.list.push(PodToleration {
                terms,
                declared: None,
            });
        }
    }
}

/// The RuntimeClass's nodeSelector is merged into the pod's; a key with another value there
/// makes admission reject the pod, so the controller's pods are never created.
fn selector_conflict(pod: &PodSpec, rc: &RuntimeClass) -> Option<String> {
    pod.node_selector.iter().find_map(|pair| {
        let (key, value) = &pair.value;
        let (_, theirs) = rc
            .node_selector
            .iter()
            .find(|(k, v)| k == key && v != value)?;
        Some(format!(
            "nodeSelector {key}={value} conflicts with {key}={theirs} of RuntimeClass `{}`: \
             admission rejects every pod",
            rc.name
        ))
    })
}

/// What the command prints and how it exits; the CLI writes it out.
pub struct Outcome {
    pub report: String,
    /// Lines for standard error.
    pub messages: Vec<String>,
    pub code: u8,
}

const EXIT_MISSES: u8 = 1;
const EXIT_FAILURE: u8 = 2;
/// A node list with every node's images and conditions runs to megabytes per hundred nodes.
const NODES_MAX_SIZE: u64 = 1 << 30;
/// Past this many, warnings about the inputs are counted rather than listed.
const MAX_WARNINGS: usize = 20;

pub fn run(args: &CoverageArgs) -> Outcome {
    let mut messages = Vec::new();
    let fail = |messages: Vec<String>, message: String| Outcome {
        report: String::new(),
        messages: messages
            .into_iter()
            .chain([format!("error: {message}")])
            .collect(),
        code: EXIT_FAILURE,
    };
    if args.nodes == "-" && args.paths.iter().any(|p| p == "-") {
        return fail(
            messages,
            "standard input can hold the nodes or the DaemonSets, not both".into(),
        );
    }
    let mut warnings = Vec::new();
    let nodes = load_nodes(&args.nodes, &mut warnings);
    let mut classes = Classes::default();
    let loaded = load_manifests(&args.paths, &mut warnings);
    for (source, _) in &loaded {
        classes.read(source, &mut warnings);
    }
    let mut agents = Vec::new();
    for (source, daemonsets) in &loaded {
        for ds in daemonsets {
            match Agent::new(ds, source, &classes) {
                Some(agent) => agents.push(agent),
                None => warnings.push(format!(
                    "{}: a DaemonSet without a pod template is skipped",
                    source.name
                )),
            }
        }
    }
    let shown = warnings.len().min(MAX_WARNINGS);
    messages.extend(warnings[..shown].iter().map(|w| format!("warning: {w}")));
    if warnings.len() > shown {
        messages.push(format!(
            "warning: … and {} more warnings",
            warnings.len() - shown
        ));
    }
    if nodes.is_empty() {
        return fail(
            messages,
            format!("no usable Node objects in {}", args.nodes),
        );
    }
    if agents.is_empty() {
        let under = if args.paths.is_empty() {
            ".".to_owned()
        } else {
            args.paths.join(", ")
        };
        return fail(messages, format!("no DaemonSets found in {under}"));
    }
    let analysis = analyze(&agents, &nodes);
    let report = match args.format {
        CoverageFormat::Human => report::human(&analysis, &agents, &nodes),
        CoverageFormat::Json => report::json(&analysis, &agents, &nodes),
    };
    let fail_on = if args.fail_on_selector {
        CoverageFailOn::Any
    } else {
        args.fail_on
    };
    let failing = match fail_on {
        CoverageFailOn::Never => false,
        CoverageFailOn::Any => !analysis.conflicts.is_empty() || missed(&analysis, |_| true),
        CoverageFailOn::Problems => {
            !analysis.conflicts.is_empty() || missed(&analysis, |c| !c.intended())
        }
    };
    Outcome {
        report,
        messages,
        code: if failing { EXIT_MISSES } else { 0 },
    }
}

fn missed(analysis: &Analysis, counts: impl Fn(Cause) -> bool) -> bool {
    analysis
        .groups
        .iter()
        .flat_map(|g| g.outcomes.iter().flatten())
        .any(|m| counts(m.cause))
}

fn find(paths: &[String], stdin_name: &str, warnings: &mut Vec<String>) -> Vec<Input> {
    let cwd = std::env::current_dir().unwrap_or_default();
    let request = Request {
        paths,
        stdin_name,
        excludes: Excludes::new(&cwd, &[]).unwrap_or_default(),
        force_exclude: false,
        respect_ignore: true,
    };
    let (found, _) = discover(&request, Lookup::disabled());
    warnings.extend(found.failures);
    warnings.extend(found.skipped);
    found.inputs
}

/// The text of an input, or a warning saying why there is none.
fn read(input: &Input, limit: u64, warnings: &mut Vec<String>) -> Option<SourceFile> {
    let bytes = match &input.origin {
        Origin::File(path) => crate::read::file(path, limit),
        Origin::Stdin => crate::read::stdin(limit),
        Origin::StdinText(bytes) => Ok(bytes.to_vec()),
    };
    let text = bytes
        .map_err(|e| format!("{}: cannot read: {e}", input.display))
        .and_then(|b| {
            String::from_utf8(b).map_err(|_| format!("{}: not UTF-8 text; skipped", input.display))
        });
    match text {
        Ok(text) => Some(SourceFile::new(input.display.clone(), text)),
        Err(message) => {
            warnings.push(message);
            None
        }
    }
}

fn load_nodes(path: &str, warnings: &mut Vec<String>) -> Vec<Node> {
    let mut all = Vec::new();
    for input in find(&[path.to_owned()], "<stdin>", warnings) {
        if let Some(source) = read(&input, NODES_MAX_SIZE, warnings) {
            let loaded = nodes::load(&source);
            warnings.extend(loaded.warnings);
            all.extend(loaded.nodes);
        }
    }
    all
}

fn load_manifests(
    paths: &[String],
    warnings: &mut Vec<String>,
) -> Vec<(SourceFile, Vec<DaemonSet>)> {
    let mut all = Vec::new();
    for input in find(paths, "<stdin>", warnings) {
        let Some(source) = read(&input, DEFAULT_MAX_FILE_SIZE, warnings) else {
            continue;
        };
        let loaded = crate::loader::load(&source);
        for d in loaded
            .diagnostics
            .iter()
            .filter(|d| d.rule.code == ds001_yaml_syntax::META.code)
        {
            let line = source.position(d.span.start).line;
            warnings.push(format!("{}:{line}: {}", source.name, d.message));
        }
        all.push((source, loaded.daemonsets));
    }
    all
}

/// A pod spec from the lines under `template.spec`, for the tests of this module.
#[cfg(test)]
fn test_pod(spec: &str) -> PodSpec {
    let text = format!(
        "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {{name: a}}\nspec:\n  selector: {{matchLabels: {{a: b}}}}\n  template:\n    metadata: {{labels: {{a: b}}}}\n    spec:\n{spec}"
    );
    let source = SourceFile::new("t.yaml".into(), text);
    crate::loader::load(&source)
        .daemonsets
        .pop()
        .and_then(|d| d.spec)
        .and_then(|s| s.template)
        .and_then(|t| t.spec)
        .unwrap_or_else(|| panic!("no pod spec"))
}
