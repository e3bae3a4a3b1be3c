//! The whole lint of one file, from raw bytes to resolved findings and rendered output.
#![no_main]

use daemonlint::lint::{Linter, Output};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let linter = Linter::new(Output::Human { color: false });
    let report = linter.lint_bytes("fuzz.yaml".into(), data.to_vec());
    for f in &report.diagnostics {
        assert!(f.line >= 1 && f.column >= 1);
        assert!((f.end_line, f.end_column) >= (f.line, f.column));
    }
});
