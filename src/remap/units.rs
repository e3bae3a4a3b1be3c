//! Findings on rendered text moved back to the files that wrote them, grouped per file, with
//! a finding that several overlays share at one source place reported once.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::suggest;
use crate::config::Level;
use crate::diagnostic::{Diagnostic, Elsewhere, ObjectRef, Severity};
use crate::discover::Input;
use crate::finding::Finding;
use crate::lint::{FileReport, Linter, Output};
use crate::rules;
use crate::source::{SourceFile, Span, offset};
use crate::suppress::{Applied, Suppression};
use crate::yaml::{ParseLimits, parse_stream};

use super::Options;
use crate::expand::plan::show;
use crate::expand::{Files, Rendering, TempDir, Unit, UnitKind};

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
    // Source files whose suppression comments had every finding of their units to match.
    let mut scanned: BTreeSet<PathBuf> = BTreeSet::new();
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
                    scanned.extend(map.sources(files, unit));
                    let findings = report
                        .diagnostics
                        .iter()
                        .chain(&report.not_linted)
                        .filter(|f| !about_a_comment(f))
                        .map(|f| (f, None));
                    let hidden = report.suppressed.iter().map(|f| (f, by_annotation(f)));
                    for (finding, suppression) in findings.chain(hidden) {
                        let rendered = (text.as_str(), docs.as_slice());
                        mapped.push(from_finding(
                            unit,
                            rendered,
                            finding,
                            suppression,
                            &map,
                            files,
                        ));
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
    let context = Context {
        files,
        options,
        linter,
        cwd,
    };
    for (unit, mut head) in heads {
        let findings = by_file.remove(&unit.file).unwrap_or_default();
        let hygiene = scanned.remove(&unit.file).then_some(unit.config);
        fill(&mut head, &unit.file, findings, &context, hygiene);
        out.push((input_for(unit, &unit.file, cwd), Ok(head)));
    }
    // Files with findings, then files whose only findings may be their stale suppressions.
    let rest = by_file
        .into_iter()
        .chain(scanned.iter().map(|f| (f.clone(), Vec::new())));
    let mut done = BTreeSet::new();
    for (file, findings) in rest {
        if !done.insert(file.clone()) {
            continue;
        }
        // The file's config is that of the first unit that found something in it.
        let first = findings.first().and_then(|m| m.units.first());
        let unit = units
            .iter()
            .find(|u| Some(&u.label) == first)
            .or(units.first());
        let mut report = FileReport {
            name: show(&file, cwd),
            ..FileReport::default()
        };
        let hygiene = scanned.contains(&file).then(|| unit.and_then(|u| u.config));
        let had_findings = !findings.is_empty();
        fill(&mut report, &file, findings, &context, hygiene);
        if !had_findings && report.diagnostics.is_empty() {
            continue;
        }
        let input = unit.map_or_else(
            || Input::file(file.clone(), report.name.clone()),
            |u| input_for(u, &file, cwd),
        );
        out.push((input, Ok(report)));
    }
    out
}

/// What every source file's report needs.
struct Context<'a> {
    files: &'a Files,
    options: &'a Options,
    linter: &'a Linter,
    cwd: &'a Path,
}

/// DS901/DS902 about a comment in the rendered text: rendering drops or moves comments, so
/// suppression comments are judged in the sources instead.
fn about_a_comment(f: &Finding) -> bool {
    let hygiene = [
        rules::ds901_unused_suppression::META.code,
        rules::ds902_suppression_without_reason::META.code,
    ];
    hygiene.contains(&f.code) && f.object.is_none()
}

/// An annotation on the rendered object suppresses as it does anywhere; a comment in the
/// rendered text is looked for again in the source file the finding moves to.
fn by_annotation(f: &Finding) -> Option<Applied> {
    f.suppression
        .clone()
        .filter(|a| a.kind == crate::suppress::Kind::Annotation)
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
    rendered: (&str, &[crate::yaml::Node]),
    f: &Finding,
    suppression: Option<Applied>,
    map: &crate::expand::SourceMap,
    files: &Files,
) -> Mapped {
    let (text, docs) = rendered;
    let span = span_of(text, f.line, f.column, f.end_line, f.end_column);
    let place = map.locate(text, docs, span, files);
    let (file, span, mut related) = match place {
        Some(p) => (p.file, p.span, p.related),
        // Piped text stays where it was found when no template explains it.
        None if unit.kind == UnitKind::Piped => (unit.file.clone(), span, Vec::new()),
        None => (unit.file.clone(), Span::default(), Vec::new()),
    };
    // The rule's own labels (a selector's template labels) move with it; one whose source
    // cannot be found is dropped rather than shown at a wrong place.
    for r in &f.related {
        let at = span_of(text, r.line, r.column, r.end_line, r.end_column);
        let moved = match map.locate(text, docs, at, files) {
            Some(p) => Some((p.file, p.span)),
            None if unit.kind == UnitKind::Piped => Some((unit.file.clone(), at)),
            None => None,
        };
        if let Some((to, at)) = moved
            && !(to == file && at == span)
        {
            related.push((to, at, r.message.clone()));
        }
    }
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
fn span_of(text: &str, line: usize, column: usize, end_line: usize, end_column: usize) -> Span {
    Span::new(
        offset(text, line, column),
        offset(text, end_line, end_column),
    )
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

/// Fills a report's findings and rendering from the findings placed in `file`, with the
/// file's own suppression comments applied. `hygiene` is set (to the config index) when the
/// file was part of a rendering, so its unused or malformed suppressions are reported.
fn fill(
    report: &mut FileReport,
    file: &Path,
    findings: Vec<Mapped>,
    context: &Context<'_>,
    hygiene: Option<Option<usize>>,
) {
    let files = context.files;
    let text = files
        .parsed(file)
        .map(|p| p.text.clone())
        .unwrap_or_default();
    let source = SourceFile::new(report.name.clone(), text);
    let comments = crate::suppress::comments(&source);
    let mut kept = Vec::new();
    let mut hidden = Vec::new();
    for m in findings {
        let Some(d) = diagnostic(&m, files, file) else {
            continue;
        };
        let applied = m.suppression.or_else(|| in_source(&d, &source, &comments));
        match applied {
            Some(applied) => hidden.push((d, applied)),
            None => kept.push(d),
        }
    }
    if let Some(config) = hygiene {
        kept.extend(stale(&comments, file, context, config));
    }
    let order = |d: &Diagnostic| (d.span.start, d.rule.code, d.span.end);
    kept.sort_by_key(order);
    hidden.sort_by_key(|(d, _)| order(d));
    let (skipped, kept): (Vec<Diagnostic>, Vec<Diagnostic>) =
        kept.into_iter().partition(crate::lint::not_linted);
    if let Output::Human {
        color,
        width,
        render,
    } = context.options.output
    {
        let shown: Vec<Diagnostic> = kept
            .iter()
            .filter(|d| context.options.shown.is_none_or(|min| d.severity >= min))
            .cloned()
            .collect();
        report.rendered = render(&source, &shown, color, width);
    }
    report.diagnostics = kept.iter().map(|d| Finding::resolve(d, &source)).collect();
    report.not_linted = skipped
        .iter()
        .map(|d| Finding::resolve(d, &source))
        .collect();
    report.suppressed = hidden
        .iter()
        .map(|(d, applied)| {
            let mut f = Finding::resolve(d, &source);
            f.suppression = Some(applied.clone());
            f
        })
        .collect();
}

/// The suppression comment in the source file that covers a finding moved there.
fn in_source(d: &Diagnostic, source: &SourceFile, comments: &[Suppression]) -> Option<Applied> {
    // A file that could not be rendered or read is never clean, as in plain files.
    if d.rule.code == rules::ds001_yaml_syntax::META.code || comments.is_empty() {
        return None;
    }
    let line = source.position(d.span.start).line;
    crate::suppress::find(comments, d.rule.code, line).map(Suppression::applied)
}

/// DS901 and DS902 for the file's suppression comments, at the levels its config sets.
fn stale(
    comments: &[Suppression],
    file: &Path,
    context: &Context<'_>,
    config: Option<usize>,
) -> Vec<Diagnostic> {
    let config = context.linter.config_at(config);
    let relative = file.strip_prefix(&config.base).map_or_else(
        |_| show(file, context.cwd),
        |r| r.to_string_lossy().into_owned(),
    );
    let effective = config.effective(&relative, None);
    let off = |m: &'static crate::diagnostic::RuleMeta| effective.level(m) == Some(Level::Off);
    comments
        .iter()
        .flat_map(|s| crate::suppress::hygiene(s, &off))
        .filter_map(|mut d| match effective.level(d.rule) {
            Some(Level::Off) => None,
            Some(Level::On(severity)) => {
                d.severity = severity;
                Some(d)
            }
            None => Some(d),
        })
        .collect()
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
    let cwd = std::env::current_dir().unwrap_or_default();
    for (related, span, label) in &m.related {
        if related == file {
            d = d.related(*span, label.clone());
            continue;
        }
        let Some(parsed) = files.parsed(related) else {
            continue;
        };
        let source = SourceFile::new(show(related, &cwd), parsed.text.clone());
        d.elsewhere.push(Elsewhere {
            source: Arc::new(source),
            span: *span,
            message: label.clone(),
        });
    }
    Some(d)
}
