//! Helm charts: rendered with `helm template`, and each rendered line traced back to the
//! template line that wrote it. `# Source:` comments say which template a manifest came from;
//! aligning its rendered lines with the template's literal lines (a line diff) finds the line,
//! and an unmatched rendered line belongs to the expression between its matched neighbours.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::config::ChartEntry;
use crate::source::Span;
use crate::unreadable::ds009_unrendered_template;

use super::path::{Segment, YamlPath};
use super::{Files, Located, Rendering, SourceMap, Unit};
use crate::yaml::{ParseLimits, parse_stream};

pub const SOURCE: &str = "# Source: ";

/// Rendered Helm output and where each of its manifests came from.
#[derive(Debug, Default)]
pub struct HelmMap {
    blocks: Vec<Block>,
}

#[derive(Debug)]
struct Block {
    /// Byte offset of the block's first line (after the `# Source:` comment) in the text.
    start: usize,
    end: usize,
    template: PathBuf,
    /// The chart folder, whose values.yaml feeds `.Values`.
    chart: PathBuf,
}

/// One `helm template` run of a chart.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Invocation {
    pub release: Option<String>,
    pub namespace: Option<String>,
    pub values: Vec<PathBuf>,
    pub set: Vec<String>,
}

impl Invocation {
    fn from_entry(entry: &ChartEntry) -> Invocation {
        Invocation {
            release: entry.release.clone(),
            namespace: entry.namespace.clone(),
            values: entry.values.iter().map(|(v, _)| v.clone()).collect(),
            set: entry.set.clone(),
        }
    }
}

/// How a chart is rendered: the helm command, when one can run, and the runs to make.
pub struct HelmSetup<'a> {
    /// The program and its leading arguments; `None` when it is not installed.
    pub program: Option<Vec<String>>,
    /// The config's `charts:` entries for this chart; none means the defaults and each
    /// `ci/*-values.yaml`, as chart CI does.
    pub entries: Vec<&'a ChartEntry>,
    /// `render.required`: a missing helm is an error.
    pub required: bool,
}

/// Renders a chart once per configured entry, or once with its defaults and once per
/// `ci/*-values.yaml` when the config lists none for it.
pub fn render(unit: &Unit, setup: &HelmSetup<'_>) -> Rendering {
    let Some(program) = &setup.program else {
        return not_installed(setup.required);
    };
    let runs: Vec<Invocation> = if setup.entries.is_empty() {
        values_files(&unit.dir)
            .into_iter()
            .map(|values| Invocation {
                values: values.into_iter().collect(),
                ..Invocation::default()
            })
            .collect()
    } else {
        setup
            .entries
            .iter()
            .map(|e| Invocation::from_entry(e))
            .collect()
    };
    let mut text = String::new();
    for run in &runs {
        match template(program, &unit.dir, run) {
            Ok(out) => {
                text.push_str(&out);
                if !text.ends_with('\n') {
                    text.push('\n');
                }
            }
            Err(message) => {
                return Rendering::Findings(vec![super::render_failure(
                    &format!("helm could not render {}: {message}", unit.label),
                    "run `helm template` on the chart to see the whole error",
                )]);
            }
        }
    }
    let map = HelmMap::new(&text, &|source| chart_file(&unit.dir, source));
    Rendering::Text {
        text,
        map: SourceMap::Helm(map),
    }
}

fn not_installed(required: bool) -> Rendering {
    const MESSAGE: &str = "chart not rendered: helm is not installed";
    if required {
        return Rendering::Findings(vec![super::render_failure(
            MESSAGE,
            "`render.required` is set in the config: install helm (or point `render.helm` at it)",
        )]);
    }
    let mut d = ds009_unrendered_template::diagnostic(Span::default());
    d.message = MESSAGE.into();
    d.label = None;
    d.help = Some(
        "install helm to lint what the chart renders, or lint `helm template RELEASE CHART | daemonlint -`"
            .into(),
    );
    Rendering::Findings(vec![d])
}

/// The default values, then each `ci/*-values.yaml` in name order.
fn values_files(chart: &Path) -> Vec<Option<PathBuf>> {
    let mut ci: Vec<PathBuf> = std::fs::read_dir(chart.join("ci"))
        .map(|entries| {
            entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.ends_with("-values.yaml"))
                })
                .collect()
        })
        .unwrap_or_default();
    ci.sort();
    std::iter::once(None)
        .chain(ci.into_iter().map(Some))
        .collect()
}

fn template(program: &[String], chart: &Path, run: &Invocation) -> Result<String, String> {
    let (name, leading) = program.split_first().ok_or("no helm command")?;
    let mut command = Command::new(name);
    command
        .args(leading)
        .arg("template")
        .arg(run.release.as_deref().unwrap_or("release-name"))
        .arg(chart);
    for values in &run.values {
        command.arg("-f").arg(values);
    }
    for assignment in &run.set {
        command.arg("--set").arg(assignment);
    }
    if let Some(namespace) = &run.namespace {
        command.arg("--namespace").arg(namespace);
    }
    let out = command
        .output()
        .map_err(|e| format!("cannot run {name}: {e}"))?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).trim().to_owned());
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// `mychart/templates/ds.yaml` inside the chart folder: the first component is the chart's
/// name, which need not be its folder's.
fn chart_file(chart: &Path, source: &str) -> PathBuf {
    let rest = source.split_once('/').map_or(source, |(_, r)| r);
    chart.join(rest)
}

/// The chart folder a template belongs to: the folder above `templates/`.
fn chart_of_template(template: &Path) -> PathBuf {
    template
        .ancestors()
        .find(|a| a.file_name().is_some_and(|n| n == "templates"))
        .and_then(Path::parent)
        .map_or_else(|| template.to_path_buf(), Path::to_path_buf)
}

impl HelmMap {
    /// Splits rendered text at its `# Source:` comments; `resolve` turns a comment's path into
    /// the template file.
    pub fn new(text: &str, resolve: &dyn Fn(&str) -> PathBuf) -> HelmMap {
        let mut blocks: Vec<Block> = Vec::new();
        let mut at = 0;
        for line in text.split_inclusive('\n') {
            let next = at + line.len();
            if let Some(source) = line.trim_end().strip_prefix(SOURCE) {
                if let Some(last) = blocks.last_mut() {
                    last.end = at;
                }
                let template = resolve(source.trim());
                blocks.push(Block {
                    start: next,
                    end: text.len(),
                    chart: chart_of_template(&template),
                    template,
                });
            } else if line.trim_end() == "---"
                && let Some(last) = blocks.last_mut()
                && last.end == text.len()
            {
                last.end = at;
            }
            at = next;
        }
        HelmMap { blocks }
    }

    /// The template files the text came from.
    pub fn templates(&self) -> Vec<PathBuf> {
        self.blocks.iter().map(|b| b.template.clone()).collect()
    }

    /// Whether the text had any `# Source:` comments to map by.
    pub fn is_empty(&self) -> bool {
        self.blocks.is_empty()
    }

    /// The template line that wrote the rendered line at `span`, and the values.yaml key
    /// behind it.
    pub fn locate(&self, text: &str, span: Span, files: &Files) -> Option<Located> {
        let offset = span.start as usize;
        let block = self
            .blocks
            .iter()
            .find(|b| b.start <= offset && offset < b.end.max(b.start + 1))?;
        let rendered = text.get(block.start..block.end)?;
        let line = rendered[..(offset - block.start).min(rendered.len())]
            .matches('\n')
            .count();
        let template = files.parsed(&block.template)?;
        let lines: Vec<&str> = rendered.lines().collect();
        let source: Vec<&str> = template.text.lines().collect();
        let at = template_line(&lines, &source, line)?;
        let values = block.chart.join("values.yaml");
        let parsed = files.parsed(&values);
        let within = toyaml_subpath(rendered, &lines, &source, line, offset - block.start);
        let related = values_keys(&source, at)
            .into_iter()
            .filter_map(|key| {
                let doc = parsed.as_ref()?.documents.first()?;
                let mut path: YamlPath =
                    key.split('.').map(|k| Segment::Key(k.to_owned())).collect();
                if source[at].contains("toYaml") {
                    path.extend(within.iter().cloned());
                }
                let (span, matched) = super::path::lookup_prefix(doc, &path);
                let shown = super::path::display(&path[..matched]);
                (matched > 0).then_some((
                    values.clone(),
                    span?,
                    format!("value from `.Values.{shown}`"),
                ))
            })
            .collect();
        Some(Located {
            file: block.template.clone(),
            span: line_span(&template.text, at),
            related,
        })
    }
}

/// The template line (0-based) for rendered line `line`: matched by text when the template
/// writes it literally, else the expression line between the matched lines around it.
fn template_line(rendered: &[&str], template: &[&str], line: usize) -> Option<usize> {
    let pairs = align(rendered, template);
    if let Some(&(_, t)) = pairs.iter().find(|(r, _)| *r == line) {
        return Some(t);
    }
    let before = pairs.iter().rev().find(|(r, _)| *r < line).map(|&(_, t)| t);
    let after = pairs.iter().find(|(r, _)| *r > line).map(|&(_, t)| t);
    let from = before.map_or(0, |t| t + 1);
    let to = after.unwrap_or(template.len());
    let candidates = from..to.max(from);
    candidates
        .clone()
        .find(|&t| is_output(template.get(t).copied().unwrap_or_default()))
        .or_else(|| candidates.clone().find(|&t| template[t].contains("{{")))
        .or(before)
        .or_else(|| (!template.is_empty()).then_some(0))
}

/// An expression that prints something, not control flow (`if`, `end`, `with`, `range`...).
fn is_output(line: &str) -> bool {
    const CONTROL: &[&str] = &[
        "if ",
        "else",
        "end",
        "with ",
        "range ",
        "define ",
        "/*",
        "- if ",
        "- else",
        "- end",
        "- with ",
        "- range ",
        "- define ",
        "- /*",
    ];
    line.match_indices("{{").any(|(i, _)| {
        let inner = line[i + 2..].trim_start_matches(' ');
        !CONTROL.iter().any(|c| inner.starts_with(c))
    })
}

/// Longest common subsequence of trimmed, non-empty lines: (rendered, template) pairs in order.
fn align(rendered: &[&str], template: &[&str]) -> Vec<(usize, usize)> {
    let (n, m) = (rendered.len(), template.len());
    let same = |i: usize, j: usize| {
        let a = rendered[i].trim();
        !a.is_empty() && a == template[j].trim()
    };
    let mut table = vec![vec![0u32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            table[i][j] = if same(i, j) {
                table[i + 1][j + 1] + 1
            } else {
                table[i + 1][j].max(table[i][j + 1])
            };
        }
    }
    let mut pairs = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < n && j < m {
        if same(i, j) {
            pairs.push((i, j));
            i += 1;
            j += 1;
        } else if table[i + 1][j] >= table[i][j + 1] {
            i += 1;
        } else {
            j += 1;
        }
    }
    pairs
}

/// The span of a line's text, without its indentation.
fn line_span(text: &str, line: usize) -> Span {
    let mut at = 0;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i == line {
            let body = l.trim_end();
            let indent = body.len() - body.trim_start().len();
            return Span::new(at + indent, at + body.len());
        }
        at += l.len();
    }
    Span::new(text.len(), text.len())
}

/// Where a value inside a `toYaml` block sits below the key the block was written under:
/// `requests.cpu` for a finding on `cpu: 200m` under `resources:`.
fn toyaml_subpath(
    rendered: &str,
    lines: &[&str],
    template: &[&str],
    line: usize,
    offset: usize,
) -> YamlPath {
    let pairs = align(lines, template);
    let Some(&(anchor, _)) = pairs.iter().rev().find(|(r, _)| *r < line) else {
        return Vec::new();
    };
    let docs = parse_stream(rendered, ParseLimits::default()).documents;
    let Some(doc) = docs.iter().rev().find(|d| d.span.start as usize <= offset) else {
        return Vec::new();
    };
    let anchor_at: usize = lines[..anchor].iter().map(|l| l.len() + 1).sum::<usize>()
        + (lines[anchor].len() - lines[anchor].trim_start().len());
    let above = super::path::path_at(doc, anchor_at as u32);
    let here = super::path::path_at(doc, offset as u32);
    match here.strip_prefix(above.as_slice()) {
        Some(rest) => rest.to_vec(),
        None => Vec::new(),
    }
}

/// The `.Values` keys a template line reads, directly or through the `with` or `range` that
/// encloses a line using `.`.
fn values_keys(template: &[&str], line: usize) -> Vec<String> {
    let Some(here) = template.get(line) else {
        return Vec::new();
    };
    let direct = values_refs(here);
    if !direct.is_empty() || !here.contains("{{") {
        return direct;
    }
    let mut depth = 0usize;
    for l in template[..line].iter().rev() {
        let inner = l
            .trim()
            .trim_start_matches("{{")
            .trim_start_matches('-')
            .trim_start();
        if inner.starts_with("end") {
            depth += 1;
        } else if inner.starts_with("with ")
            || inner.starts_with("range ")
            || inner.starts_with("if ")
        {
            if depth == 0 && !inner.starts_with("if ") {
                return values_refs(l);
            }
            depth = depth.saturating_sub(1);
        }
    }
    Vec::new()
}

fn values_refs(line: &str) -> Vec<String> {
    line.match_indices(".Values.")
        .filter_map(|(i, m)| {
            let key: String = line[i + m.len()..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
                .collect();
            let key = key.trim_end_matches('.');
            (!key.is_empty()).then(|| key.to_owned())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_lines_match_and_expansions_go_to_their_expression() {
        let template = [
            "spec:",
            "  containers:",
            "    - name: agent",
            "      resources:",
            "        {{- toYaml .Values.resources | nindent 8 }}",
            "      image: x",
        ];
        let rendered = [
            "spec:",
            "  containers:",
            "    - name: agent",
            "      resources:",
            "        limits:",
            "          cpu: 1",
            "      image: x",
        ];
        assert_eq!(template_line(&rendered, &template, 5), Some(4));
        assert_eq!(template_line(&rendered, &template, 6), Some(5));
    }

    #[test]
    fn values_come_from_the_line_or_the_enclosing_with() {
        let template = [
            "{{- with .Values.tolerations }}",
            "tolerations:",
            "  {{- toYaml . | nindent 2 }}",
            "{{- end }}",
        ];
        assert_eq!(values_keys(&template, 2), ["tolerations"]);
        assert_eq!(
            values_keys(
                &["image: {{ .Values.image.repo }}:{{ .Values.image.tag }}"],
                0
            ),
            ["image.repo", "image.tag"]
        );
    }
}
