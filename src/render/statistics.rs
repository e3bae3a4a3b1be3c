//! `--statistics`: how often each rule fired, most frequent first.

use std::collections::BTreeMap;

use super::Finding;

pub fn render(findings: &[&Finding]) -> String {
    let mut counts: BTreeMap<(&str, &str, &str), usize> = BTreeMap::new();
    for f in findings {
        *counts
            .entry((f.code, f.name, f.severity.as_str()))
            .or_default() += 1;
    }
    let mut rows: Vec<_> = counts.into_iter().collect();
    rows.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    rows.iter()
        .map(|((code, name, severity), n)| format!("{n:>6}  {code:<6} {name:<34} {severity}\n"))
        .collect()
}
