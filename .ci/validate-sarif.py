#!/usr/bin/env python3
"""Validates a SARIF file against the official SARIF 2.1.0 JSON schema.

Usage: validate-sarif.py SCHEMA SARIF
"""
import json
import sys

import jsonschema

schema = json.load(open(sys.argv[1]))
log = json.load(open(sys.argv[2]))
validator = jsonschema.validators.validator_for(schema)(schema)
errors = sorted(validator.iter_errors(log), key=lambda e: list(e.path))
for e in errors[:20]:
    print(f"{'/'.join(map(str, e.path))}: {e.message}")
if errors:
    sys.exit(f"{len(errors)} schema errors in {sys.argv[2]}")
results = len(log["runs"][0]["results"])
print(f"{sys.argv[2]}: valid SARIF 2.1.0 ({results} results)")
