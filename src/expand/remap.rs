//! Findings on rendered text moved back to the files that wrote them, grouped per file, with
//! a finding that several overlays share at one source place reported once.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::diagnostic::{Diagnostic, ObjectRef, Severity};
use crate::discover::Input;
use crate::finding::Finding;
use crate::fix::suggest;
use crate::lint::{FileReport, Linter, Output};
use crate::rules;
use crate::source::{SourceFile, Span};
use crate::suppress::Applied;
use crate::yaml::{ParseLimits, parse_stream};

use super::plan::show;
use super::{Files, Options, Rendering, TempDir, Unit, UnitKind};

/// One finding at its source place.
struct Mapped {
    file: PathBuf,
    span: Span,
    related: Vec<(PathBuf, Span, String)>,
    code: &'static str,
    severity: Severity,
    message: String,
    help: Option<String>,
    object: Option<ObjectRef>,
    suppression: Option<Applied>,
    /// The overlays or charts it was found in; empty for findings about the unit itself.
    units: Vec<String>,
}

/// Lints the rendered units and returns one report per source file with findings, plus one per
/// unit (its kustomization or Chart.yaml) that counts what was rendered.
pub fn units(
    linter: &Linter,
    units: &[Unit],
    renderings: Vec<Rendering>,
    files: &Files,
    options: &Options,
    cwd: &Path,
) -> Vec<(Input, Result<FileReport, String>)> {
    let Ok(tmp) = TempDir::new("rendered") else {
        return units
            .iter()
            .map(|u| {
                (
                    input_for(u, &u.file, cwd),
                    Err(format!(
                        "{}: cannot create a temporary folder to render into",
                        u.label
                    )),
                )
            })
            .collect();
    };
    let mut inputs = Vec::new();
    for (i, (unit, rendering)) in units.iter().zip(&renderings).enumerate() {
        if let Rendering::Text { text, .. } = rendering {
            let path = tmp.path().join(format!("{i}.yaml"));
            if std::fs::write(&path, text).is_ok() {
                let mut input = input_for(unit, &unit.file, cwd);
                input.origin = crate::discover::Origin::File(path);
                inputs.push((i, input));
            }
        }
    }
    let linted: Vec<Input> = inputs.iter().map(|(_, input)| input.clone()).collect();
    let mut results: BTreeMap<usize, Result<FileReport, String>> = inputs
        .iter()
        .map(|(i, _)| *i)
        .zip(linter.lint_rendered(&linted))
        .collect();
    let mut mapped = Vec::new();
    let mut out = Vec::new();
    let mut heads = Vec::new();
    for (i, (unit, rendering)) in units.iter().zip(renderings).enumerate() {
        let mut head = FileReport {
            name: show(&unit.file, cwd),
            ..FileReport::default()
        };
        match rendering {
            Rendering::Findings(diagnostics) => {
                head.fix = suggest::unit(linter.fix_mode(), unit, None, &[], files);
                mapped.extend(diagnostics.into_iter().map(|d| at_unit(unit, d)));
            }
            Rendering::Text { text, map } => match results.remove(&i) {
                Some(Ok(report)) => {
                    let docs = parse_stream(&text, ParseLimits::default()).documents;
                    let findings = report.diagnostics.iter().map(|f| (f, None));
                    let hidden = report.suppressed.iter().map(|f| (f, f.suppression.clone()));
                    for (finding, suppression) in findings.chain(hidden) {
                        let span = span_of(&text, finding);
                        let place = map.locate(&text, &docs, span, files);
                        mapped.push(from_finding(unit, span, finding, suppression, place));
                    }
                    let rendered = suggest::Rendered {
                        text: &text,
                        map: &map,
                        docs: &docs,
                    };
                    let fixes = &report.diagnostics;
                    head.fix = suggest::unit(linter.fix_mode(), unit, Some(rendered), fixes, files);
                    head.documents = report.documents;
                    head.daemonsets = report.daemonsets;
                    head.partial = report.partial;
                    head.objects = report.objects;
                }
                Some(Err(message)) => out.push((input_for(unit, &unit.file, cwd), Err(message))),
                None => {}
            },
        }
        heads.push((unit, head));
    }
    let mut by_file = group(mapped);
    for (unit, mut head) in heads {
        let findings = by_file.remove(&unit.file).unwrap_or_default();
        fill(&mut head, &unit.file, findings, files, options);
        out.push((input_for(unit, &unit.file, cwd), Ok(head)));
    }
    for (file, findings) in by_file {
        let unit = units.first();
        let mut report = FileReport {
            name: show(&file, cwd),
            ..FileReport::default()
        };
        fill(&mut report, &file, findings, files, options);
        let input = unit.map_or_else(
            || Input::file(file.clone(), report.name.clone()),
            |u| input_for(u, &file, cwd),
        );
        out.push((input, Ok(report)));
    }
    out
}

/// The input that stands for a source file in the run's bookkeeping (its config, its name).
fn input_for(unit: &Unit, file: &Path, cwd: &Path) -> Input {
    let mut input = Input::file(file.to_path_buf(), show(file, cwd));
    input.config = unit.config;
    input.relative = unit.relative.clone();
    input
}

fn at_unit(unit: &Unit, d: Diagnostic) -> Mapped {
    Mapped {
        file: unit.file.clone(),
        span: d.span,
        related: Vec::new(),
        code: d.rule.code,
        severity: d.severity,
        message: d.message,
        help: d.help,
        object: d.object,
        suppression: None,
        units: Vec::new(),
    }
}

fn from_finding(
    unit: &Unit,
    span: Span,
    f: &Finding,
    suppression: Option<Applied>,
    place: Option<super::Located>,
) -> Mapped {
    let (file, span, related) = match place {
        Some(p) => (p.file, p.span, p.related),
        // Piped text stays where it was found when no template explains it.
        None if unit.kind == UnitKind::Piped => (unit.file.clone(), span, Vec::new()),
        None => (unit.file.clone(), Span::default(), Vec::new()),
    };
    Mapped {
        file,
        span,
        related,
        code: f.code,
        severity: f.severity,
        message: f.message.clone(),
        help: f.help.clone(),
        object: f.object.clone(),
        suppression,
        // Piped output has no overlay or chart folder worth naming.
        units: if unit.kind == UnitKind::Piped {
            Vec::new()
        } else {
            vec![unit.label.clone()]
        },
    }
}

/// The byte span a resolved finding covers in `text` (lines and character columns, 1-based).
fn span_of(text: &str, f: &Finding) -> Span {
    Span::new(
        offset(text, f.line, f.column),
        offset(text, f.end_line, f.end_column),
    )
}

fn offset(text: &str, line: usize, column: usize) -> usize {
    let start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    let rest = &text[start.min(text.len())..];
    start
        + rest
            .char_indices()
            .nth(column.saturating_sub(1))
            .map_or(rest.len(), |(i, _)| i)
}

/// Per file, findings at the same place from different units merged into one.
fn group(mapped: Vec<Mapped>) -> BTreeMap<PathBuf, Vec<Mapped>> {
    let mut by_file: BTreeMap<PathBuf, Vec<Mapped>> = BTreeMap::new();
    for m in mapped {
        let list = by_file.entry(m.file.clone()).or_default();
        let same = list.iter_mut().find(|o| {
            o.span == m.span
                && o.code == m.code
                && o.message == m.message
                && o.suppression.is_some() == m.suppression.is_some()
        });
        match same {
            Some(o) => {
                for u in m.units {
                    if !o.units.contains(&u) {
                        o.units.push(u);
                    }
                }
            }
            None => list.push(m),
        }
    }
    by_file
}

/// Fills a report's findings and rendering from the findings placed in `file`.
fn fill(
    report: &mut FileReport,
    file: &Path,
    findings: Vec<Mapped>,
    files: &Files,
    options: &Options,
) {
    let text = files
        .parsed(file)
        .map(|p| p.text.clone())
        .unwrap_or_default();
    let source = SourceFile::new(report.name.clone(), text);
    let mut kept = Vec::new();
    let mut hidden = Vec::new();
    for m in findings {
        let Some(d) = diagnostic(&m, files, file) else {
            continue;
        };
        match m.suppression {
            Some(applied) => hidden.push((d, applied)),
            None => kept.push(d),
        }
    }
    let order = |d: &Diagnostic| (d.span.start, d.rule.code, d.span.end);
    kept.sort_by_key(order);
    hidden.sort_by_key(|(d, _)| order(d));
    if let Output::Human {
        color,
        width,
        render,
    } = options.output
    {
        let shown: Vec<Diagnostic> = kept
            .iter()
            .filter(|d| options.shown.is_none_or(|min| d.severity >= min))
            .cloned()
            .collect();
        report.rendered = render(&source, &shown, color, width);
    }
    report.diagnostics = kept.iter().map(|d| Finding::resolve(d, &source)).collect();
    report.suppressed = hidden
        .iter()
        .map(|(d, applied)| {
            let mut f = Finding::resolve(d, &source);
            f.suppression = Some(applied.clone());
            f
        })
        .collect();
}

fn diagnostic(m: &Mapped, files: &Files, file: &Path) -> Option<Diagnostic> {
    let rule = rules::find(m.code)?;
    let message = if m.units.is_empty() {
        m.message.clone()
    } else {
        format!("{} (in {})", m.message, m.units.join(", "))
    };
    let mut d = Diagnostic::new(rule, m.span, message).severity(m.severity);
    d.help = m.help.clone();
    d.object = m.object.clone();
    for (related, span, label) in &m.related {
        if related == file {
            d = d.related(*span, label.clone());
            continue;
        }
        let at = files.parsed(related).map(|p| {
            let source = SourceFile::new(String::new(), p.text.clone());
            source.position(span.start)
        });
        let place = at.map_or_else(String::new, |p| format!(":{}:{}", p.line, p.column));
        let cwd = std::env::current_dir().unwrap_or_default();
        let note = format!("{label}: {}{place}", show(related, &cwd));
        d.help = Some(match d.help {
            Some(h) => format!("{h}\n{note}"),
            None => note,
        });
    }
    Some(d)
}
