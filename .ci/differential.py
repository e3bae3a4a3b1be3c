#!/usr/bin/env python3
"""Differential test of DS002 against a real validator (kubernetes-validate, strict).

    python3 .ci/differential.py target/release/daemonlint ../shared/corpus [--version 1.37]

Takes the clean DaemonSets of fixtures/ and the apps/v1 DaemonSets of <corpus>/plain, makes
mutations of each (drop a required field, misspell a field, change a scalar's type, move a
field into an object that does not have it, put an enum value out of range), writes every
mutant as its own YAML file, runs daemonlint once over the folder, validates each mutant with
the strict schema of the target release, and compares the verdicts: a DS002 error on the file
(or DS003's on a misspelt `selector`, which it reports instead) against the validator
rejecting it. A disagreement fails the run unless a pattern in
.ci/differential-allow.txt (`<mutation> <field path>  # reason`, fnmatch globs) covers it.

Sampling is seeded, so a run is repeatable; it stays well under two minutes on two cores.
"""

import argparse
import copy
import fnmatch
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import jsonschema
import yaml  # PyYAML, a kubernetes-validate dependency: YAML 1.1, as Kubernetes reads it
from kubernetes_validate import utils as kv
from referencing import Registry, Resource

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
SEED = 20240601
PER_SEED = 6  # mutants per seed DaemonSet, spread over the mutation kinds
MAX_SEEDS = 120
# They decide whether daemonlint lints the object at all (another kind or API group is not an
# apps/v1 DaemonSet), so only the enum mutation touches them.
IDENTITY = ("kind", "apiVersion")


def schema_for(version):
    """The strict apps/v1 DaemonSet schema of `version` and a validator for it."""
    directory = f"kubernetes-json-schema/v{version}.0-local-strict"
    root = kv.schema_contents(f"{directory}/daemonset-apps-v1.json", version)
    defs = kv.schema_contents(f"{directory}/_definitions.json", version)
    registry = Resource.from_contents(defs) @ (Resource.from_contents(root) @ Registry())
    validator = jsonschema.validators.Draft202012Validator(root, registry=registry)
    return root, defs["$defs"], validator


class Schema:
    def __init__(self, root, defs):
        self.root = root
        self.defs = defs

    def resolve(self, s):
        while isinstance(s, dict) and "$ref" in s:
            s = self.defs[s["$ref"].rsplit("/", 1)[-1]]
        return s or {}

    def kind(self, s):
        s = self.resolve(s)
        if "properties" in s:
            return "object"
        if "oneOf" in s:
            return "oneof"
        types = s.get("type", [])
        types = [types] if isinstance(types, str) else types
        types = [t for t in types if t != "null"]
        if types == ["object"]:
            return "map"  # labels, resource lists, free-form: no fields of its own
        return types[0] if len(types) == 1 else "any"


def walk(schema, node, s, path, out):
    """Collects (path, node, object schema) for every object the schema describes."""
    s = schema.resolve(s)
    kind = schema.kind(s)
    if kind == "object" and isinstance(node, dict):
        out.append((path, node, s))
        for key, value in node.items():
            prop = s["properties"].get(key)
            if prop is not None:
                walk(schema, value, prop, f"{path}.{key}" if path else key, out)
    elif kind == "array" and isinstance(node, list):
        for item in node:
            walk(schema, item, s.get("items", {}), path + "[]", out)


def mutations(schema, doc):
    """Every mutation of one document: (kind, path, function that applies it to a copy)."""
    objects = []
    walk(schema, doc, schema.root, "", objects)
    found = []
    for index, (path, node, s) in enumerate(objects):
        props = s["properties"]
        at = f"{path}." if path else ""
        for key in s.get("required", []):
            if key in node:
                found.append(("drop-required", at + key, (index, "drop", key)))
        for key, value in node.items():
            if props.get(key, {}).get("enum"):
                found.append(("enum", at + key, (index, "enum", key)))
            if key not in props or (not path and key in IDENTITY):
                continue
            found.append(("misspell", at + key, (index, "misspell", key)))
            kind = schema.kind(props[key])
            if kind in ("string", "integer", "boolean", "number", "oneof") and value is not None:
                found.append(("change-type", at + key, (index, "retype", key)))
            for child, child_value in node.items():
                if not path and key in IDENTITY:
                    break
                child_s = schema.resolve(props.get(child, {}))
                if (
                    child != key
                    and isinstance(child_value, dict)
                    and "properties" in child_s
                    and key not in child_s["properties"]
                ):
                    found.append(("wrong-object", f"{at}{child}.{key}", (index, "nest", key, child)))
                    break
    return found


def apply(schema, doc, op):
    doc = copy.deepcopy(doc)
    objects = []
    walk(schema, doc, schema.root, "", objects)
    _, node, s = objects[op[0]]
    action, key = op[1], op[2]
    if action == "drop":
        del node[key]
    elif action == "misspell":
        wrong = key[:-1] if len(key) > 2 else key + "x"
        if wrong in s["properties"]:
            wrong = key + "x"
        node[wrong] = node.pop(key)
    elif action == "retype":
        node[key] = retyped(schema.kind(s["properties"][key]))
    elif action == "enum":
        node[key] = str(node[key]) + "-out-of-range"
    elif action == "nest":
        node[op[3]][key] = node.pop(key)
    return doc


def retyped(kind):
    # A value of another JSON type, never null (null is "absent" for an optional field).
    return {"string": 12345, "integer": "twelve", "number": "twelve", "boolean": "maybe"}.get(
        kind, True
    )


def seeds(corpus):
    """Clean fixtures and corpus documents that are apps/v1 DaemonSets."""
    files = [p for p in sorted((REPO / "fixtures").rglob("*.yaml")) if is_clean_fixture(p)]
    files += sorted((corpus / "plain").glob("*.y*ml"))
    for path in files:
        try:
            docs = list(yaml.safe_load_all(path.read_text(encoding="utf-8")))
        except (yaml.YAMLError, UnicodeDecodeError, ValueError):
            continue
        for n, doc in enumerate(docs):
            if (
                isinstance(doc, dict)
                and doc.get("kind") == "DaemonSet"
                and doc.get("apiVersion") == "apps/v1"
            ):
                yield f"{path.name}#{n}", doc


def is_clean_fixture(path):
    text = path.read_text(encoding="utf-8", errors="replace")
    return "# expect: none" in text and "# args:" not in text


def allowed_patterns():
    patterns = []
    allow = HERE / "differential-allow.txt"
    for line in allow.read_text().splitlines():
        rule = line.split("#", 1)[0].strip()
        if rule:
            patterns.append(rule)
    return patterns


def json_safe(doc):
    """True when the document survives JSON (Kubernetes converts YAML to JSON first)."""
    try:
        json.dumps(doc, allow_nan=False)
        return True
    except (TypeError, ValueError):
        return False


def build_cases(schema, validator, corpus, rng):
    cases = []
    controls = 0
    for name, doc in seeds(corpus):
        if not json_safe(doc) or not validator.is_valid(doc):
            continue  # only mutate documents both sides should accept
        cases.append(("none", "", name, doc))
        controls += 1
        if controls > MAX_SEEDS:
            break
        found = mutations(schema, doc)
        by_kind = {}
        for kind, path, op in found:
            by_kind.setdefault(kind, []).append((path, op))
        kinds = sorted(by_kind)
        for i in range(min(PER_SEED, len(found))):
            kind = kinds[i % len(kinds)]
            path, op = rng.choice(by_kind[kind])
            cases.append((kind, path, name, apply(schema, doc, op)))
    return cases


def daemonlint_errors(binary, folder, version):
    run = subprocess.run(
        [
            str(binary),
            "--format",
            "json",
            "--select",
            "DS002,DS003",
            "--fail-on",
            "never",
            "--setting",
            f"kubernetes-version={version}",
            str(folder),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if run.returncode != 0:
        sys.exit(f"daemonlint failed ({run.returncode}): {run.stderr}")
    report = json.loads(run.stdout)
    # A misspelt `selector` is DS003's finding (the DaemonSet has none), not DS002's.
    return {
        Path(d["file"]).name
        for d in report["diagnostics"]
        if d["severity"] == "error"
        and (
            d["code"] == "DS002"
            or (d["code"] == "DS003" and "is no field of the DaemonSet spec" in d["message"])
        )
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("binary", type=Path)
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--version", default="1.37")
    args = parser.parse_args()
    started = time.monotonic()
    root, defs, validator = schema_for(args.version)
    schema = Schema(root, defs)
    rng = random.Random(SEED)
    cases = build_cases(schema, validator, args.corpus, rng)
    patterns = allowed_patterns()
    with tempfile.TemporaryDirectory(prefix="differential-") as tmp:
        folder = Path(tmp)
        for n, (_, _, _, doc) in enumerate(cases):
            (folder / f"case-{n:05}.yaml").write_text(yaml.safe_dump(doc, sort_keys=False))
        flagged = daemonlint_errors(args.binary, folder, args.version)
    disagreements = 0
    allowed = 0
    for n, (kind, path, seed, doc) in enumerate(cases):
        lint = f"case-{n:05}.yaml" in flagged
        rejected = not validator.is_valid(doc)
        if lint == rejected:
            continue
        key = f"{kind} {path}"
        if any(fnmatch.fnmatchcase(key, p) for p in patterns):
            allowed += 1
            continue
        disagreements += 1
        verdict = "daemonlint reports DS002" if lint else "daemonlint passes"
        other = "the validator rejects" if rejected else "the validator accepts"
        print(f"DISAGREE case-{n:05} {key} (from {seed}): {verdict}, {other}")
    print(
        f"differential: {len(cases)} cases, {disagreements} disagreements, "
        f"{allowed} allowed, Kubernetes {args.version}, {time.monotonic() - started:.1f}s"
    )
    sys.exit(1 if disagreements else 0)


if __name__ == "__main__":
    main()
