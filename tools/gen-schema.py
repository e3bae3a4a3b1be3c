#!/usr/bin/env python3
"""Generates src/model/schema_tables.rs: the fields of an apps/v1 DaemonSet and of every object
type it reaches, from the Kubernetes OpenAPI schemas that the kubernetes-validate package bundles.

Regenerate (after `pip install kubernetes-validate`, or when a new version is bundled):

    python3 tools/gen-schema.py > src/model/schema_tables.rs

Why generated: a hand-kept field list stops somewhere (a misspelt field under a probe's `exec:`
went unreported) and falls behind each release. The schemas are the API server's own, one per
release, so diffing them tells in which release a field appeared or disappeared.

What is read: the `-local-strict` schemas of every bundled version (`v1.25.0` ... ), starting at
`daemonset-apps-v1.json` and following `$ref`s into `_definitions.json`. The output is
deterministic (sorted), so a test can re-run this script and compare with the checked-in file.

Stdlib only; kubernetes-validate is used as a data source, never imported for its code.
"""

import json
import sys
from pathlib import Path

ROOT_FILE = "daemonset-apps-v1.json"
ROOT_NAME = "io.k8s.api.apps.v1.DaemonSet"
SCALAR_DEFS = {
    "io.k8s.apimachinery.pkg.api.resource.Quantity": "Type::Quantity",
    "io.k8s.apimachinery.pkg.util.intstr.IntOrString": "Type::IntOrString",
    "io.k8s.apimachinery.pkg.apis.meta.v1.Time": "Type::String",
    "io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime": "Type::String",
    "io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1": "Type::Free",
}
# Required in the schema but not reported here: the status is written by the controller and
# dropped on create; iSCSI's `lun` is a plain int whose zero value validation accepts; a missing
# selector is DS003's finding (it suggests one from the template labels).
NOT_REQUIRED = {
    "io.k8s.api.apps.v1.DaemonSetStatus": None,
    "io.k8s.api.apps.v1.DaemonSetSpec": {"selector"},
    "io.k8s.api.core.v1.ISCSIVolumeSource": {"lun"},
}


def schema_root():
    import importlib.util

    spec = importlib.util.find_spec("kubernetes_validate")
    if spec is None or spec.origin is None:
        sys.exit("gen-schema: install kubernetes-validate first (pip install kubernetes-validate)")
    return Path(spec.origin).parent / "kubernetes-json-schema"


def versions(root):
    found = []
    for d in root.iterdir():
        name = d.name
        if name.startswith("v1.") and name.endswith("-local-strict"):
            minor = int(name[len("v1.") :].split(".")[0])
            found.append((minor, d))
    return sorted(found)


def ref_name(ref):
    return ref.rsplit("/", 1)[-1]


def non_null(types):
    if isinstance(types, str):
        types = [types]
    return [t for t in types if t != "null"]


class Version:
    """One release: the object definitions reachable from the DaemonSet."""

    def __init__(self, directory):
        self.defs = json.loads((directory / "_definitions.json").read_text())["$defs"]
        self.defs[ROOT_NAME] = json.loads((directory / ROOT_FILE).read_text())
        self.objects = {}
        self.reach(ROOT_NAME)

    def reach(self, name):
        if name in self.objects or name in SCALAR_DEFS:
            return
        definition = self.defs[name]
        if "properties" not in definition:
            return
        self.objects[name] = definition
        for prop in definition["properties"].values():
            self.reach_schema(prop)

    def reach_schema(self, schema):
        if "$ref" in schema:
            self.reach(ref_name(schema["$ref"]))
        for key in ("items", "additionalProperties"):
            if isinstance(schema.get(key), dict):
                self.reach_schema(schema[key])

    def type_of(self, schema):
        """The Rust `Type` expression for a property schema."""
        if "$ref" in schema:
            name = ref_name(schema["$ref"])
            if name in SCALAR_DEFS:
                return SCALAR_DEFS[name]
            definition = self.defs[name]
            if "properties" in definition:
                return f"Type::Object({name!r})"
            return self.type_of(definition)
        types = non_null(schema.get("type", []))
        if len(types) != 1:
            return "Type::Free"
        kind = types[0]
        if kind == "array":
            return f"Type::Array(&{self.type_of(schema.get('items', {}))})"
        if kind == "object":
            inner = schema.get("additionalProperties")
            if isinstance(inner, dict):
                return f"Type::Map(&{self.type_of(inner)})"
            return "Type::Free"
        return {
            "string": "Type::String",
            "integer": "Type::Integer",
            "number": "Type::Number",
            "boolean": "Type::Boolean",
        }.get(kind, "Type::Free")


def required_of(name, definition):
    skip = NOT_REQUIRED.get(name, set())
    if name in NOT_REQUIRED and skip is None:
        return []
    return sorted(r for r in definition.get("required", []) if r not in skip)


def collect(all_versions):
    """name -> {field -> (first, last, type, enum)}, required from the newest release."""
    objects = {}
    required = {}
    for minor, release in all_versions:
        for name, definition in release.objects.items():
            fields = objects.setdefault(name, {})
            required[name] = required_of(name, definition)
            for field, prop in definition["properties"].items():
                ty = release.type_of(prop)
                enum = tuple(prop.get("enum", ()))
                first = fields[field][0] if field in fields else minor
                fields[field] = (first, minor, ty, enum)
    return objects, required


def rust_str(s):
    return json.dumps(s)


def emit(objects, required, oldest, newest):
    # The DaemonSet is object 0; the rest follow in name order, so ids are stable.
    names = [ROOT_NAME] + sorted(n for n in objects if n != ROOT_NAME)
    ids = {n: i for i, n in enumerate(names)}
    out = []
    w = out.append
    w("//! GENERATED by tools/gen-schema.py from the Kubernetes OpenAPI schemas bundled with the")
    w("//! kubernetes-validate package. Do not edit; regenerate with")
    w("//! `python3 tools/gen-schema.py > src/model/schema_tables.rs`.")
    w("//!")
    w("//! An apps/v1 DaemonSet and every object type it reaches, each with its fields sorted by")
    w("//! name (for binary search), the first release that has each field and, if it was removed,")
    w("//! the last one. `since: 0` means the field is in every known release, `until: 0` that it")
    w("//! is still there. One line per field, so the file is left unformatted (see fields.rs).")
    w("")
    w("use super::{Field, Object, Type};")
    w("")
    w(f"/// The oldest Kubernetes minor version the tables know (1.{oldest}).")
    w(f"pub const OLDEST: u8 = {oldest};")
    w(f"/// The newest Kubernetes minor version the tables know (1.{newest}).")
    w(f"pub const NEWEST: u8 = {newest};")
    w("/// The id of `apps/v1` DaemonSet in [`OBJECTS`].")
    w("pub const DAEMONSET: usize = 0;")
    w("")
    w(f"pub static OBJECTS: [Object; {len(names)}] = [")
    for name in names:
        w(f"    // {ids[name]}: {name}")
        w("    Object {")
        w("        fields: &[")
        for field in sorted(objects[name]):
            first, last, ty, enum = objects[name][field]
            ty = resolve_ids(ty, ids)
            until = 0 if last == newest else last
            since = 0 if first == oldest else first
            enum_text = ", ".join(rust_str(e) for e in enum)
            w(
                f"            Field {{ name: {rust_str(field)}, ty: {ty}, since: {since}, "
                f"until: {until}, values: &[{enum_text}] }},"
            )
        w("        ],")
        req = ", ".join(rust_str(r) for r in required[name])
        w(f"        required: &[{req}],")
        w("    },")
    w("];")
    return "\n".join(out) + "\n"


def resolve_ids(ty, ids):
    while "Type::Object('" in ty:
        start = ty.index("Type::Object('") + len("Type::Object('")
        end = ty.index("')", start)
        ty = ty[:start - 1] + str(ids[ty[start:end]]) + ty[end + 1 :]
    return ty


def main():
    found = versions(schema_root())
    if not found:
        sys.exit("gen-schema: no bundled schemas found")
    releases = [(minor, Version(d)) for minor, d in found]
    objects, required = collect(releases)
    sys.stdout.write(emit(objects, required, found[0][0], found[-1][0]))


if __name__ == "__main__":
    main()
