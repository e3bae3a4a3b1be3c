//! Linting what actually deploys: the kustomizations and Helm charts `crate::expand` renders
//! are linted, and each finding is moved back to the file and line that wrote the value.
//!
//! [`units`] lints the renderings and moves their findings back, [`suggest`] turns fixes of
//! rendered objects into diffs against their sources, and [`lint`] runs it all beside the
//! plain files. It sits above the linter, which knows nothing of renderings.

mod suggest;
mod units;

use std::path::{Path, PathBuf};

use crate::config::normalize;
use crate::diagnostic::Severity;
use crate::discover::Input;
use crate::expand::{Files, Plan, Rendering, SourceMap, Unit, UnitKind, helm, plan, render_all};
use crate::lint::{FileReport, Linter, Output};

/// How the caller prints, so remapped findings render the same way.
#[derive(Clone, Debug)]
pub struct Options {
    pub output: Output,
    /// `--severity`: findings below it are not rendered.
    pub shown: Option<Severity>,
    /// Where `# Source: chart/templates/x.yaml` comments in piped Helm output are resolved.
    pub chart_root: Option<PathBuf>,
}

/// Lints every input: plain files as they are, kustomizations and charts rendered (in
/// parallel with the plain files), with findings moved back to their sources. Each result is
/// paired with the input that stands for it (its config and its display name).
pub fn lint(
    linter: &Linter,
    inputs: Vec<Input>,
    options: &Options,
) -> Vec<(Input, Result<FileReport, String>)> {
    let cwd = std::env::current_dir().unwrap_or_default();
    let mut plan = plan::plan(inputs, &cwd);
    let files = Files::new(std::mem::take(&mut plan.kustomizations));
    let piped = piped(&mut plan, &files, options, &cwd, linter);
    let (plain, rendered) = std::thread::scope(|scope| {
        let renders = scope.spawn(|| render_all(&plan.units, &|i| linter.config_at(i)));
        let plain = linter.lint_all(&piped.plain);
        (plain, renders.join().unwrap_or_default())
    });
    let mut out: Vec<(Input, Result<FileReport, String>)> =
        plan.plain.iter().cloned().zip(plain).collect();
    out.extend(piped.failed.into_iter().map(|(i, m)| (i, Err(m))));
    out.extend(piped.failed_reports.into_iter().map(|(i, r)| (i, Ok(r))));
    let mut units = plan.units;
    let mut renderings = rendered;
    for (unit, rendering) in piped.helm {
        units.push(unit);
        renderings.push(rendering);
    }
    out.extend(units::units(
        linter, &units, renderings, &files, options, &cwd,
    ));
    out
}

/// Standard input, read once: `helm template` output (it has `# Source:` comments) becomes a
/// unit mapped back to the chart's templates; anything else is linted as it was.
struct Piped {
    /// The plain inputs as the linter reads them (standard input from a temporary copy).
    plain: Vec<Input>,
    helm: Vec<(Unit, Rendering)>,
    /// Standard input that could not be read (closed, too large, not UTF-8 is left to the
    /// linter): reported as it is, since it cannot be read twice.
    failed: Vec<(Input, String)>,
    /// Standard input that is not UTF-8, already linted.
    failed_reports: Vec<(Input, FileReport)>,
}

fn piped(plan: &mut Plan, files: &Files, options: &Options, cwd: &Path, linter: &Linter) -> Piped {
    let mut out = Piped {
        plain: Vec::new(),
        helm: Vec::new(),
        failed: Vec::new(),
        failed_reports: Vec::new(),
    };
    let mut keep = Vec::new();
    for input in std::mem::take(&mut plan.plain) {
        if input.origin != crate::discover::Origin::Stdin {
            out.plain.push(input.clone());
            keep.push(input);
            continue;
        }
        let bytes = match crate::read::stdin(linter.size_limit(&input)) {
            Ok(bytes) => bytes,
            Err(e) => {
                let message = format!("{}: cannot read standard input: {e}", input.display);
                out.failed.push((input, message));
                continue;
            }
        };
        let text = match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(e) => {
                // Linted from a copy of the bytes, so the DS001 "not UTF-8" finding is located.
                let report = linter.lint_bytes(input.display.clone(), e.into_bytes());
                out.failed_reports.push((input, report));
                continue;
            }
        };
        if text.lines().any(|l| l.starts_with(helm::SOURCE)) {
            let root = options
                .chart_root
                .clone()
                .unwrap_or_else(|| cwd.to_path_buf());
            let map = helm::HelmMap::new(&text, &|source| normalize(&root.join(source)));
            let file = PathBuf::from(&input.display);
            files.insert(&file, text.clone());
            let unit = Unit {
                kind: UnitKind::Piped,
                dir: root,
                file,
                label: input.display.clone(),
                config: input.config,
                relative: input.relative.clone(),
            };
            out.helm.push((
                unit,
                Rendering::Text {
                    text,
                    map: SourceMap::Helm(map),
                },
            ));
            continue;
        }
        let mut linted = input.clone();
        linted.origin = crate::discover::Origin::StdinText(std::sync::Arc::new(text.into_bytes()));
        out.plain.push(linted);
        keep.push(input);
    }
    plan.plain = keep;
    out
}
