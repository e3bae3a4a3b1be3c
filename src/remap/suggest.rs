//! Fixes for findings on rendered output. `--fix` never edits what a renderer reads: for a
//! kustomization, a fix on the rendered text is shown as a suggested edit to the patch or
//! base file that wrote the value, when the edit maps there exactly; Helm templates get no
//! suggestion at all.

use std::path::Path;

use crate::expand::plan::show;
use crate::expand::{Files, SourceMap, Unit, UnitKind};
use crate::finding::Finding;
use crate::fix::{Applicability, Edit, ResolvedEdit, apply, unified};
use crate::fix::{FileFix, FixMode};
use crate::source::{Span, offset};
use crate::yaml::Node;

/// Lines of rendered text before an edit that must read the same in the source file, so an
/// edit is placed only where its surroundings match (a parent key or a sibling).
const CONTEXT_LINES: usize = 1;

/// A rendered unit's output, as the remapping stage holds it.
pub struct Rendered<'a> {
    pub text: &'a str,
    pub map: &'a SourceMap,
    pub docs: &'a [Node],
}

/// What `--fix` and `--diff` say about one rendered unit: suggested edits for a
/// kustomization's sources, or for a chart that nothing is edited. `None` outside a fix run.
pub fn unit(
    mode: Option<FixMode>,
    unit: &Unit,
    rendered: Option<Rendered<'_>>,
    findings: &[Finding],
    files: &Files,
) -> Option<FileFix> {
    let mode = mode?;
    let mut outcome = FileFix::default();
    if unit.kind != UnitKind::Kustomize {
        outcome.dropped.push(format!(
            "{}: Helm chart templates are never edited, and no fix is suggested for them",
            unit.label
        ));
        return Some(outcome);
    }
    let Some(rendered) = rendered else {
        return Some(outcome);
    };
    let cwd = std::env::current_dir().unwrap_or_default();
    for finding in findings {
        let Some(fix) = &finding.fix else { continue };
        if fix.applicability == Applicability::Unsafe && !mode.unsafe_fixes {
            continue;
        }
        match suggestion(unit, &rendered, finding, &fix.edits, files, &cwd) {
            Ok(text) if outcome.suggested.contains(&text) => {}
            Ok(text) => outcome.suggested.push(text),
            Err(reason) => outcome.dropped.push(format!(
                "{}: the {} fix ({}) was not applied: fix not mapped ({reason})",
                unit.label, finding.code, fix.message
            )),
        }
    }
    Some(outcome)
}

/// The suggested edit as a commented unified diff against the source file that wrote the
/// finding's value, or why it cannot be placed there exactly.
fn suggestion(
    unit: &Unit,
    rendered: &Rendered<'_>,
    finding: &Finding,
    edits: &[ResolvedEdit],
    files: &Files,
    cwd: &Path,
) -> Result<String, String> {
    let text = rendered.text;
    let at = Span::new(
        offset(text, finding.line, finding.column),
        offset(text, finding.end_line, finding.end_column),
    );
    let place = rendered
        .map
        .locate(text, rendered.docs, at, files)
        .ok_or("no source file wrote the value")?;
    let name = show(&place.file, cwd);
    if files.kustomization(&place.file).is_some() {
        return Err(format!(
            "the value comes from {name} itself, which kustomize turns into YAML"
        ));
    }
    let source = files
        .parsed(&place.file)
        .ok_or_else(|| format!("{name} cannot be read"))?;
    let mut mapped = edits
        .iter()
        .map(|e| map_edit(text, e, &source.text))
        .collect::<Option<Vec<Edit>>>()
        .ok_or_else(|| format!("the rendered text around the edit differs from {name}"))?;
    mapped.sort_by_key(|e| (e.span.start, e.span.end));
    if mapped.windows(2).any(|w| w[0].span.end > w[1].span.start) {
        return Err(format!("the edits overlap in {name}"));
    }
    let diff = unified(&name, &source.text, &apply(&source.text, &mapped));
    Ok(format!(
        "# daemonlint: suggested fix, not applied: {} {} (in {})\n# {name} is a source of the kustomization {}; daemonlint does not edit it, apply this by hand\n{diff}",
        finding.code, finding.message, unit.label, unit.label
    ))
}

/// An edit on the rendered text moved to `source`: the lines it touches and the line before
/// must occur in `source` exactly once, starting a line, and the edit keeps its place in them.
fn map_edit(text: &str, edit: &ResolvedEdit, source: &str) -> Option<Edit> {
    let start = offset(text, edit.line, edit.column);
    let end = offset(text, edit.end_line, edit.end_column);
    let from = line_start(text, start, CONTEXT_LINES);
    let to = text[end..].find('\n').map_or(text.len(), |i| end + i + 1);
    let context = &text[from..to];
    let mut found = source
        .match_indices(context)
        .map(|(i, _)| i)
        .filter(|&i| i == 0 || source.as_bytes()[i - 1] == b'\n');
    let at = found.next()?;
    if found.next().is_some() {
        return None;
    }
    Some(Edit {
        span: Span::new(at + start - from, at + end - from),
        content: edit.content.clone(),
    })
}

/// The start of the line `before` lines above the one holding `offset`.
fn line_start(text: &str, offset: usize, before: usize) -> usize {
    let mut start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    for _ in 0..before {
        if start == 0 {
            break;
        }
        start = text[..start - 1].rfind('\n').map_or(0, |i| i + 1);
    }
    start
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edit(line: usize, column: usize, end_column: usize, content: &str) -> ResolvedEdit {
        ResolvedEdit {
            line,
            column,
            end_line: line,
            end_column,
            content: content.to_owned(),
        }
    }

    const RENDERED: &str =
        "spec:\n  containers:\n  - name: a\n  nodeSelector:\n    beta.kubernetes.io/os: linux\n";

    #[test]
    fn an_edit_maps_where_its_lines_match() {
        let source = "# patch\nspec:\n  nodeSelector:\n    beta.kubernetes.io/os: linux\n";
        let e = edit(5, 5, 26, "kubernetes.io/os");
        let mapped = map_edit(RENDERED, &e, source).expect("mapped");
        assert_eq!(
            apply(source, &[mapped]),
            "# patch\nspec:\n  nodeSelector:\n    kubernetes.io/os: linux\n"
        );
    }

    #[test]
    fn an_edit_whose_surroundings_differ_is_not_mapped() {
        let e = edit(5, 5, 26, "kubernetes.io/os");
        let other_parent = "spec:\n  affinity:\n    beta.kubernetes.io/os: linux\n";
        assert_eq!(map_edit(RENDERED, &e, other_parent), None);
        let twice = "a:\n  nodeSelector:\n    beta.kubernetes.io/os: linux\nb:\n  nodeSelector:\n    beta.kubernetes.io/os: linux\n";
        assert_eq!(map_edit(RENDERED, &e, twice), None, "ambiguous");
        let indented = "spec:\n    nodeSelector:\n      beta.kubernetes.io/os: linux\n";
        assert_eq!(map_edit(RENDERED, &e, indented), None);
    }

    #[test]
    fn context_starts_at_a_line() {
        let e = edit(5, 5, 26, "kubernetes.io/os");
        let glued = "x:  nodeSelector:\n    beta.kubernetes.io/os: linux\n";
        assert_eq!(map_edit(RENDERED, &e, glued), None);
    }
}
