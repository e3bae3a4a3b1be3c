//! Each rule page's "Example" must trigger the rule and its "Use instead" must not, so the
//! documentation cannot drift from the code. A `# args: ...` line in a block passes extra
//! command-line arguments, as in fixtures.

mod common;

use common::{positions, run_with_stdin};

fn yaml_block_after(page: &str, heading: &str) -> Option<String> {
    let section = page.split(&format!("\n## {heading}\n")).nth(1)?;
    let section = section.split("\n## ").next()?;
    let start = section.find("```yaml\n")? + "```yaml\n".len();
    let end = section[start..].find("```")? + start;
    Some(section[start..end].to_owned())
}

fn codes(yaml: &str) -> Vec<String> {
    let mut args = vec!["--format", "json"];
    args.extend(common::extra_args(yaml));
    args.push("-");
    let run = run_with_stdin(&args, Some(yaml.as_bytes()));
    let report: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON report");
    positions(&report).into_iter().map(|(c, _)| c).collect()
}

#[test]
fn examples_fire_and_fixes_do_not() {
    let run = common::daemonlint(&["rules"]);
    for line in run.stdout.lines() {
        let code = line.split_whitespace().next().expect("code");
        let page = std::fs::read_to_string(common::root().join(format!("rules/{code}.md")))
            .unwrap_or_else(|_| panic!("rules/{code}.md"));
        let bad =
            yaml_block_after(&page, "Example").unwrap_or_else(|| panic!("{code}: no Example"));
        let good = yaml_block_after(&page, "Use instead")
            .unwrap_or_else(|| panic!("{code}: no Use instead"));
        assert!(
            codes(&bad).iter().any(|c| c == code),
            "{code}: its Example does not fire it"
        );
        let fixed = codes(&good);
        assert!(
            !fixed.iter().any(|c| c == code),
            "{code}: its Use instead still fires it"
        );
        assert!(
            !fixed.iter().any(|c| c == "DS001" || c == "DS002"),
            "{code}: its Use instead is not a valid manifest: {fixed:?}"
        );
    }
}

#[test]
fn explain_prints_the_page() {
    let run = common::daemonlint(&["explain", "selector-mismatch"]);
    assert_eq!(run.code, 0);
    let page = std::fs::read_to_string(common::root().join("rules/DS003.md")).expect("page");
    assert_eq!(run.stdout, page);
    let lower = common::daemonlint(&["explain", "ds003"]);
    assert_eq!(lower.stdout, page);
    let missing = common::daemonlint(&["explain", "DS999"]);
    assert_eq!(missing.code, 2);
    assert!(missing.stderr.contains("no rule `DS999`"));
}

/// The README's rule table says what `daemonlint rules` says, row for row.
#[test]
fn readme_rule_table_matches_the_rules() {
    let run = common::daemonlint(&["rules", "--format", "json"]);
    let rules: serde_json::Value = serde_json::from_str(&run.stdout).expect("rules JSON");
    let readme = std::fs::read_to_string(common::root().join("README.md")).expect("README");
    for r in rules.as_array().expect("list") {
        let code = r["code"].as_str().unwrap_or_default();
        let row = format!(
            "| [{code}](rules/{code}.md) | {} | {} | {} |",
            r["name"].as_str().unwrap_or_default(),
            r["severity"].as_str().unwrap_or_default(),
            r["summary"].as_str().unwrap_or_default()
        );
        assert!(readme.contains(&row), "README row out of date:\n{row}");
    }
}
