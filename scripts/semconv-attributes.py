#!/usr/bin/env python3
"""Extracts the attribute registry the OTLP mapping is checked against.

The mapping (crates/sessiontrail-otlp) names its attributes after the
OpenTelemetry semantic conventions at the version its `schemaUrl` gives.
Its test `attributes_are_the_conventions` refuses an attribute name, type
or enum value that is not in crates/sessiontrail-otlp/semconv/attributes.txt,
which this script writes from the conventions' own YAML (model/*/registry.yaml
of open-telemetry/semantic-conventions). CI has no internet, so the list is
checked in with the commit it came from; run this again when the mapping
moves to another version:

    git clone --depth 1 --branch v1.37.0 \
        https://github.com/open-telemetry/semantic-conventions /tmp/semconv
    python3 scripts/semconv-attributes.py /tmp/semconv v1.37.0 \
        "$(git -C /tmp/semconv rev-parse HEAD)" \
        > crates/sessiontrail-otlp/semconv/attributes.txt

Needs PyYAML. Only the domains the mapping uses are listed (DOMAINS), and
only attributes that are not deprecated.
"""

import pathlib
import sys

import yaml

# The registries the mapping draws from: GenAI, and the general attributes
# it puts on spans, log records and the resource.
DOMAINS = [
    "error",
    "file",
    "gen-ai",
    "host",
    "network",
    "process",
    "server",
    "service",
    "session",
]


def attribute_type(spec):
    """`string`, `int`, `string[]`..., or `enum` with the members' values."""
    t = spec.get("type")
    if isinstance(t, dict):
        values = [str(m["value"]) for m in t.get("members", []) if not m.get("deprecated")]
        return "enum", values
    return str(t), []


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: semconv-attributes.py SEMCONV_DIR VERSION COMMIT")
    root, version, commit = pathlib.Path(sys.argv[1]), sys.argv[2], sys.argv[3]
    rows = {}
    for domain in DOMAINS:
        path = root / "model" / domain / "registry.yaml"
        if not path.is_file():
            sys.exit(f"{path} is missing: is {root} a checkout of semantic-conventions?")
        for group in yaml.safe_load(path.read_text())["groups"]:
            for spec in group.get("attributes", []):
                if spec.get("deprecated"):
                    continue
                kind, values = attribute_type(spec)
                rows[spec["id"]] = (kind, values)
    print(f"# OpenTelemetry semantic conventions {version}, commit {commit}:")
    print(f"# the attributes of model/{{{','.join(DOMAINS)}}}/registry.yaml, not deprecated.")
    print("# Written by scripts/semconv-attributes.py; read by the otlp crate's tests.")
    print("# name<TAB>type[<TAB>enum values, comma-separated]")
    for name in sorted(rows):
        kind, values = rows[name]
        line = f"{name}\t{kind}"
        if values:
            line += "\t" + ",".join(values)
        print(line)


if __name__ == "__main__":
    main()
