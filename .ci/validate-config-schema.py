#!/usr/bin/env python3
"""Checks daemonlint.schema.json is a valid draft-07 schema that accepts good configs and
rejects bad ones, as editors using yaml-language-server will.

Usage: validate-config-schema.py SCHEMA
"""
import json
import sys

import jsonschema

schema = json.load(open(sys.argv[1]))
jsonschema.Draft7Validator.check_schema(schema)
validator = jsonschema.Draft7Validator(schema)
good = [
    {},
    {"fail-on": "error", "rules": {"DS004": "warning", "selector-mismatch": "off"}},
    {"settings": {"max-unavailable": "10%", "cluster-nodes": 40, "writable-host-paths": ["/var/lib/x/**"]}},
    {"overrides": [{"files": ["a/**"], "rules": {"DS009": False}, "reason": "r"}]},
]
bad = [
    {"rulez": {}},
    {"rules": {"DS999": "off"}},
    {"settings": {"max-unavailable": "25"}},
    {"overrides": [{"rules": {"DS004": "off"}}]},
]
problems = [f"rejected: {c}" for c in good if not validator.is_valid(c)]
problems += [f"accepted: {c}" for c in bad if validator.is_valid(c)]
if problems:
    sys.exit("\n".join(problems))
print(f"{sys.argv[1]}: valid draft-07 schema; {len(good)} good and {len(bad)} bad configs judged right")
