#!/usr/bin/env python3
"""Lints the shared real-world corpus and fails on anything a user must never see.

- a crash (any exit code other than 0, 1 or 2 from the linter, or unparsable JSON);
- a file not accounted for in the summary;
- DS001/DS002 on a file the corpus index marks as valid YAML;
- a Helm template that is not reported as DS009 (and only DS009);
- a DaemonSet count that disagrees with the index.

Usage: corpus-check.py BINARY CORPUS_DIR
"""
import csv
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path


# DS001/DS002 findings on files the index calls valid YAML that are real: reviewed by hand,
# kept here so a new finding still fails the check. (file name, line, message start)
KNOWN_TRUE = {
    # An init container with its own `volumes` list, and a volume with a `mountPath`: the
    # author nested the pod's volumes inside the init container. Strict validation rejects both.
    ("grafana__agent__operations__helm__tests__initcontainers__grafana-agent__templates__controllers__daemonset.yaml", 43, "unknown field `volumes`"),
    ("grafana__agent__operations__helm__tests__initcontainers__grafana-agent__templates__controllers__daemonset.yaml", 98, "unknown field `mountPath`"),
    # `mountPath` indented one column deeper than the `- name:` it belongs to: libyaml, PyYAML
    # and go-yaml v2 (kubectl) all stop with "mapping values are not allowed" here. The index's
    # parse_ok is wrong for this file.
    ("smarter-project__smarter-device-manager__smarter-device-manager-ds-with-configmap-xavier-k3s.yaml", 56, "invalid YAML: mapping values are not allowed"),
}


def known(d):
    name = Path(d["file"]).name
    return any(name == f and d["line"] == l and d["message"].startswith(m) for f, l, m in KNOWN_TRUE)


def lint(binary, files):
    proc = subprocess.run(
        [binary, "--format", "json", "--fail-on", "never", *files],
        capture_output=True,
        text=True,
    )
    if proc.returncode not in (0, 1, 2):
        sys.exit(f"linter crashed (exit {proc.returncode}):\n{proc.stderr[-4000:]}")
    try:
        return proc.returncode, json.loads(proc.stdout)
    except json.JSONDecodeError as e:
        sys.exit(f"invalid JSON from the linter: {e}\n{proc.stdout[:2000]}")


def main():
    binary, corpus = sys.argv[1], Path(sys.argv[2])
    problems = []
    with open(corpus / "INDEX.tsv", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    plain = [str(corpus / "plain" / r["file"]) for r in rows]
    valid = {str(corpus / "plain" / r["file"]) for r in rows if r["parse_ok"] == "true"}
    # A file that is not valid YAML may hide DaemonSets after its error.
    most_ds = sum(int(r["ds_docs"]) for r in rows)
    least_ds = sum(int(r["ds_docs"]) for r in rows if r["parse_ok"] == "true")

    code, report = lint(binary, plain)
    summary = report["summary"]
    if code == 2 or report.get("failures"):
        problems.append(f"files could not be read: {report.get('failures')}")
    if summary["files"] != len(plain):
        problems.append(f"{len(plain)} files given, {summary['files']} in the summary")
    # A DaemonSet with an unrendered placeholder (`${IMAGE}`) in a judged field gets one DS009
    # and is not linted; it was still seen.
    # DS009 notes are listed apart from the findings, under `not_linted`.
    skipped = report.get("not_linted", [])
    templated = sum(1 for d in skipped if d["code"] == "DS009" and d["file"] in valid)
    seen = summary["daemonsets"] + summary.get("partial", 0) + templated
    if not least_ds <= seen <= most_ds:
        problems.append(f"index lists {least_ds}-{most_ds} DaemonSets, linter saw {seen}")
    for d in report["diagnostics"]:
        if d["code"] in ("DS001", "DS002") and d["file"] in valid and not known(d):
            problems.append(f"{d['file']}:{d['line']}:{d['column']}: {d['code']} {d['message']}")

    templates = sorted(
        str(p) for p in (corpus / "helm-templates").iterdir() if p.is_file() and p.suffix != ".tsv"
    )
    _, treport = lint(binary, templates)
    listed = treport["diagnostics"] + treport.get("not_linted", [])
    per_file = Counter((d["file"], d["code"]) for d in listed)
    for t in templates:
        codes = {c for (f, c) in per_file if f == t}
        if codes != {"DS009"} or per_file[(t, "DS009")] != 1:
            problems.append(f"{t}: expected exactly one DS009, got {sorted(codes)}")
    if treport["summary"]["files"] != len(templates):
        problems.append("helm templates not all accounted for")

    by_rule = Counter(d["code"] for d in report["diagnostics"])
    print(
        f"corpus: {summary['files']} files, {summary['documents']} documents, "
        f"{summary['daemonsets']} DaemonSets linted, {summary.get('partial', 0)} kustomize patches, "
        f"{len(templates)} Helm templates"
    )
    print("findings by rule: " + ", ".join(f"{c} {n}" for c, n in sorted(by_rule.items())))
    if problems:
        print(f"{len(problems)} corpus problems:")
        for p in problems:
            print("  " + p)
        sys.exit(1)
    print("corpus check passed")


if __name__ == "__main__":
    main()
