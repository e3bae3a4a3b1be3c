//! The whole lint of one file, from raw bytes to resolved findings and rendered output.
#![no_main]

use daemonlint::lint::Linter;
use daemonlint::render::human;
use daemonlint_fuzz::assert_positions_in_range;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let linter = Linter::new(human::output(false, human::DEFAULT_WIDTH));
    let report = linter.lint_bytes("fuzz.yaml".into(), data.to_vec());
    // Invalid UTF-8 is reported against the lossy text the renderer shows.
    assert_positions_in_range(&String::from_utf8_lossy(data), &report);
});
