//! Structure-aware: DaemonSets built from arbitrary data, written as YAML that always parses,
//! and linted with human output. Beyond "no panic, positions in range", a DS001 (syntax)
//! finding here is a bug, since the writer emits only well-formed YAML.
#![no_main]

use daemonlint::lint::Linter;
use daemonlint::render::human;
use daemonlint::source::SourceFile;
use daemonlint_fuzz::assert_positions_in_range;
use daemonlint_fuzz::manifest::{Stream, render};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|stream: Stream| {
    if stream.daemonsets.is_empty() {
        return;
    }
    let (text, documents) = render(&stream);
    let linter = Linter::new(human::output(false, human::DEFAULT_WIDTH));
    let report = linter.lint_source(SourceFile::new("fuzz.yaml".into(), text.clone()));
    assert_positions_in_range(&text, &report);
    if let Some(f) = report.diagnostics.iter().find(|f| f.code == "DS001") {
        panic!("syntax error on generated YAML: {}\n{text}", f.message);
    }
    assert_eq!(report.documents, documents, "{text}");
});
