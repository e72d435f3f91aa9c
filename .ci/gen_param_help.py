#!/usr/bin/env python3
"""Generate src/gui/param_help.rs from the README's parameter tables.

Run from the repository root: python3 .ci/gen_param_help.py
The editor's inspector shows these as tooltips and defaults; regenerate after editing
the README's "File format" or "AWS components" tables.
"""
import re

SECTIONS = {
    "API Gateway": ["ApiGateway"],
    "EventBridge bus": ["EventBus"],
    "SNS topic": ["SnsTopic"],
    "Step Functions": ["StepFunctions"],
    "SQS queue": ["SqsQueue"],
    "Lambda function": ["Lambda"],
    "Kinesis stream": ["KinesisStream", "KafkaTopic"],
    "DynamoDB table": ["DynamoDbTable"],
    "Firehose": ["Firehose"],
    "Container service": ["ContainerService"],
    "Service sinks": ["S3Bucket", "Ses", "LogGroup", "Analytics"],
    "Document structure": ["Document"],
    "Connections": ["Connection"],
}

def clean(s):
    s = s.strip()
    s = re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", s)  # links -> text
    return s.replace("`", "")

def rust_str(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'

rows = []
lines = open("README.md", encoding="utf-8").read().splitlines()
kinds = None
table_kind = None  # for the kinds table
sub = ""  # "autoscale." prefix, "scenario."
for line in lines:
    if line.startswith("#"):
        kinds = None
        sub = ""
        for key, ks in SECTIONS.items():
            if key in line:
                kinds = ks
        continue
    if line.startswith("`scenario`:"):
        kinds, sub = ["Document"], "scenario."
        continue
    if line.startswith("The kinds and their parameters"):
        kinds, sub = ["*kinds*"], ""
        continue
    if not line.startswith("|") or kinds is None:
        continue
    cells = [c for c in line.strip().strip("|").split("|")]
    cells = [c.strip() for c in cells]
    if all(set(c) <= set("-: ") for c in cells):
        continue
    header = cells[0].lower()
    if header in ("parameter", "field", "kind"):
        continue
    if header.startswith("`autoscale` parameter"):
        sub = "autoscale."
        continue
    if kinds == ["*kinds*"]:
        if len(cells) < 4:
            continue
        if cells[0]:
            table_kind = clean(cells[0])
        name, default, meaning = clean(cells[1]), clean(cells[2]), clean(cells[3])
        if name == "none":
            continue
        rows.append((table_kind, name, default, meaning))
        continue
    if len(cells) == 4:  # document table: field | type | default | meaning
        name, default, meaning = clean(cells[0]), clean(cells[2]), clean(cells[3])
    elif len(cells) == 3:
        name, default, meaning = clean(cells[0]), clean(cells[1]), clean(cells[2])
    else:
        continue
    for k in kinds:
        rows.append((k, sub + name, default, meaning))

out = [
    "//! Parameter help for the inspector, generated from the README's tables by",
    "//! `.ci/gen_param_help.py`: do not edit by hand, edit the README and rerun it.",
    "",
    "/// Help for one parameter: its kind (or `Document`, `Connection`), its name",
    "/// (`autoscale.` / `scenario.` prefixed for nested tables), default and meaning.",
    "#[derive(Clone, Copy, Debug)]",
    "pub struct ParamHelp {",
    "    /// Kind name as in `ComponentKind::kind_name`, or `Document` / `Connection`.",
    "    pub kind: &'static str,",
    "    /// Field name.",
    "    pub name: &'static str,",
    "    /// Default, as the README writes it.",
    "    pub default: &'static str,",
    "    /// What it means.",
    "    pub meaning: &'static str,",
    "}",
    "",
    "/// Every documented parameter.",
    "pub const PARAMS: &[ParamHelp] = &[",
]
for k, n, d, m in rows:
    out.append(f"    ParamHelp {{ kind: {rust_str(k)}, name: {rust_str(n)}, default: {rust_str(d)}, meaning: {rust_str(m)} }},")
out.append("];")
open("src/gui/param_help.rs", "w", encoding="utf-8").write("\n".join(out) + "\n")
print(len(rows), "rows")
