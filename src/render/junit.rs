//! JUnit XML for CI systems that show test reports: one test case per DaemonSet and rule
//! family (resources, tolerations, security, ...), failing when it has findings at or above
//! the fail level. Findings not tied to a DaemonSet (syntax errors, templates) form a test
//! case named after the file. What was not linted (DS009 notes) is a skipped test case.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::{Finding, concise, family};
use crate::diagnostic::{ObjectRef, Severity};
use crate::lint::FileReport;
use crate::rules;

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // As references, so XML parsers keep them (they turn raw ones into a newline or,
            // in attributes, a space).
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            // XML 1.0 cannot hold the other controls at all, even as references.
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

fn object_name(o: &ObjectRef) -> String {
    let name = o.name.as_deref().unwrap_or("<unnamed>");
    match &o.namespace {
        Some(ns) => format!("{} {ns}/{name}", o.kind),
        None => format!("{} {name}", o.kind),
    }
}

pub fn render(reports: &[FileReport], fail_at: Option<Severity>) -> String {
    let mut families: Vec<&str> = rules::ALL.iter().map(|m| family(m.code)).collect();
    families.dedup();
    let fails = |f: &Finding| fail_at.is_some_and(|t| f.severity >= t);
    let mut suites = String::new();
    let (mut total, mut failed) = (0, 0);
    for report in reports {
        // test case name -> findings
        let mut cases: BTreeMap<String, Vec<&Finding>> = BTreeMap::new();
        for object in &report.objects {
            for fam in &families {
                cases
                    .entry(format!("{} {fam}", object_name(object)))
                    .or_default();
            }
        }
        for f in &report.diagnostics {
            let name = match &f.object {
                Some(o) => format!("{} {}", object_name(o), family(f.code)),
                None => report.name.clone(),
            };
            cases.entry(name).or_default().push(f);
        }
        let mut skipped: BTreeMap<String, Vec<&Finding>> = BTreeMap::new();
        for f in &report.not_linted {
            let name = match &f.object {
                Some(o) => object_name(o),
                None => report.name.clone(),
            };
            skipped.entry(name).or_default().push(f);
        }
        if cases.is_empty() && skipped.is_empty() {
            cases.insert(report.name.clone(), Vec::new());
        }
        let suite_failures = cases
            .values()
            .filter(|fs| fs.iter().any(|f| fails(f)))
            .count();
        total += cases.len() + skipped.len();
        failed += suite_failures;
        let _ = writeln!(
            suites,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{suite_failures}\" skipped=\"{}\">",
            escape(&report.name),
            cases.len() + skipped.len(),
            skipped.len()
        );
        for (name, findings) in &skipped {
            let text: String = findings.iter().map(|f| concise::line(f) + "\n").collect();
            let _ = writeln!(
                suites,
                "    <testcase classname=\"{}\" name=\"{}\">\n      <skipped message=\"{}\">{}</skipped>\n    </testcase>",
                escape(&report.name),
                escape(name),
                escape(findings.first().map_or("", |f| f.message.as_str())),
                escape(&text)
            );
        }
        for (name, findings) in &cases {
            let _ = write!(
                suites,
                "    <testcase classname=\"{}\" name=\"{}\"",
                escape(&report.name),
                escape(name)
            );
            if findings.is_empty() {
                suites.push_str("/>\n");
                continue;
            }
            suites.push_str(">\n");
            let text: String = findings.iter().map(|f| concise::line(f) + "\n").collect();
            if let Some(first) = findings.iter().find(|f| fails(f)) {
                let _ = writeln!(
                    suites,
                    "      <failure type=\"{}\" message=\"{}\">{}</failure>",
                    first.code,
                    escape(&first.message),
                    escape(&text)
                );
            } else {
                let _ = writeln!(suites, "      <system-out>{}</system-out>", escape(&text));
            }
            suites.push_str("    </testcase>\n");
        }
        suites.push_str("  </testsuite>\n");
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"daemonlint\" tests=\"{total}\" failures=\"{failed}\">\n{suites}</testsuites>\n"
    )
}
