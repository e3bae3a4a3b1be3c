//! The default output: every finding rendered as a code frame (miette's graphical handler)
//! from text straight into `lint_source`. Nothing may panic, every position must point inside
//! the file, and every finding must reach the rendered text with its code.
#![no_main]

use daemonlint::lint::Linter;
use daemonlint::render::human;
use daemonlint::source::SourceFile;
use daemonlint_fuzz::assert_positions_in_range;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Lossy decoding keeps every input useful: the bytes path already has its own target.
    let text = String::from_utf8_lossy(data).into_owned();
    let linter = Linter::new(human::output(false, human::DEFAULT_WIDTH));
    let report = linter.lint_source(SourceFile::new("fuzz.yaml".into(), text.clone()));
    assert_positions_in_range(&text, &report);
    assert_eq!(report.diagnostics.is_empty(), report.rendered.is_empty());
    for f in &report.diagnostics {
        assert!(
            report.rendered.contains(f.code),
            "{} missing from the rendered output",
            f.code
        );
    }
});
