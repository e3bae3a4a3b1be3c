//! Checks shared by the fuzz targets: what a user sees must point inside the file it names.

use daemonlint::lint::FileReport;

/// Every finding's start and end lie on a line of `text`, at a column no further than one
/// past that line's last character, and the end does not come before the start.
pub fn assert_positions_in_range(text: &str, report: &FileReport) {
    let lines: Vec<&str> = text.split('\n').collect();
    for f in report.diagnostics.iter().chain(&report.suppressed) {
        for (line, column) in [(f.line, f.column), (f.end_line, f.end_column)] {
            assert!(line >= 1 && column >= 1, "{}: {line}:{column}", f.code);
            let Some(content) = lines.get(line - 1) else {
                panic!("{}: line {line} past the last line {}", f.code, lines.len());
            };
            let width = content.trim_end_matches('\r').chars().count();
            assert!(
                column <= width + 1,
                "{}: column {column} past the end of line {line} ({width} characters)",
                f.code
            );
        }
        assert!(
            (f.end_line, f.end_column) >= (f.line, f.column),
            "{}: ends before it starts",
            f.code
        );
    }
}

pub mod manifest;
pub mod yaml;
