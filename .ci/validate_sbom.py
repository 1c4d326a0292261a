#!/usr/bin/env python3
"""Validate CycloneDX 1.6 JSON files against the official schema, offline.

Uses the schemas bundled in the PyPI package cyclonedx-python-lib (its
JsonStrictValidator resolves the schema's $refs locally). Before trusting a
pass, it checks that a deliberately broken copy of the first file fails, so
a validator that accepts everything cannot turn CI green.
"""
import copy
import json
import sys

from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator


def main(paths):
    if not paths:
        print("usage: validate_sbom.py SBOM.json...", file=sys.stderr)
        return 2
    validator = JsonStrictValidator(SchemaVersion.V1_6)
    failed = 0
    for path in paths:
        with open(path, encoding="utf-8") as f:
            text = f.read()
        error = validator.validate_str(text)
        if error is not None:
            failed += 1
            print(f"INVALID {path}: {error}")
        else:
            print(f"valid   {path}")

    with open(paths[0], encoding="utf-8") as f:
        broken = json.load(f)
    broken = copy.deepcopy(broken)
    broken["metadata"]["component"]["type"] = "firmwarez"
    if validator.validate_str(json.dumps(broken)) is None:
        print("the validator accepted a component of type `firmwarez`: not validating")
        return 1
    print(f"{len(paths) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
