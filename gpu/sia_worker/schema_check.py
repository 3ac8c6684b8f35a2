"""A stdlib-only checker for the JSON Schema subset that zod's `z.toJSONSchema` emits for gpu/schema/*.json.

The schemas are generated from plugins/trainers/job-schema.ts, so TS and Python accept the same documents.
Unknown keywords raise, so a future zod output the checker does not understand cannot pass silently.
"""
import json
import math
import re
from pathlib import Path

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schema"
ANNOTATIONS = {"$id", "$schema", "description", "title"}
TYPE_CHECKS = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v),
    "integer": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool) and float(v).is_integer(),
}


class SchemaError(ValueError):
    """A document does not match its schema; `path` names the bad field."""

    def __init__(self, path, message):
        super().__init__(f"{path}: {message}")
        self.path = path


def load_schema(name):
    return json.loads((SCHEMA_DIR / name).read_text())


def validate(value, schema, path="$"):
    for keyword, expected in schema.items():
        if keyword in ANNOTATIONS:
            continue
        check = KEYWORDS.get(keyword)
        if check is None:
            raise SchemaError(path, f"schema keyword {keyword!r} is not supported by schema_check.py")
        check(value, expected, schema, path)


def _type(value, expected, _schema, path):
    names = expected if isinstance(expected, list) else [expected]
    if not any(TYPE_CHECKS[name](value) for name in names):
        raise SchemaError(path, f"expected {' or '.join(names)}, got {type(value).__name__}")


def _properties(value, properties, _schema, path):
    if isinstance(value, dict):
        for key, sub in properties.items():
            if key in value:
                validate(value[key], sub, f"{path}.{key}")


def _required(value, names, _schema, path):
    if isinstance(value, dict):
        for name in names:
            if name not in value:
                raise SchemaError(f"{path}.{name}", "is required")


def _additional(value, allowed, schema, path):
    if not isinstance(value, dict):
        return
    for key in value.keys() - schema.get("properties", {}).keys():
        if allowed is False:
            raise SchemaError(f"{path}.{key}", "is not an allowed field")
        if isinstance(allowed, dict):
            validate(value[key], allowed, f"{path}.{key}")


def _property_names(value, names_schema, _schema, path):
    if isinstance(value, dict):
        for key in value:
            validate(key, names_schema, f"{path}.{key}")


def _items(value, item_schema, _schema, path):
    if isinstance(value, list):
        for index, item in enumerate(value):
            validate(item, item_schema, f"{path}[{index}]")


def _any_of(value, options, _schema, path):
    errors = []
    for option in options:
        try:
            validate(value, option, path)
            return
        except SchemaError as error:
            errors.append(error)
    # Report the error that got deepest: it names the field the caller most likely got wrong.
    raise max(errors, key=lambda error: len(error.path))


def _const(value, expected, _schema, path):
    if value != expected:
        raise SchemaError(path, f"expected {expected!r}")


def _enum(value, options, _schema, path):
    if value not in options:
        raise SchemaError(path, f"expected one of {options}")


def _bound(test, words):
    def check(value, limit, _schema, path):
        if TYPE_CHECKS["number"](value) and not test(value, limit):
            raise SchemaError(path, f"must be {words} {limit}")
    return check


def _min_length(value, limit, _schema, path):
    if isinstance(value, str) and len(value) < limit:
        raise SchemaError(path, f"must have at least {limit} characters")


def _pattern(value, pattern, _schema, path):
    if isinstance(value, str) and not re.search(pattern, value):
        raise SchemaError(path, f"must match {pattern}")


KEYWORDS = {
    "type": _type,
    "properties": _properties,
    "required": _required,
    "additionalProperties": _additional,
    "propertyNames": _property_names,
    "items": _items,
    "anyOf": _any_of,
    "const": _const,
    "enum": _enum,
    "minimum": _bound(lambda v, l: v >= l, ">="),
    "maximum": _bound(lambda v, l: v <= l, "<="),
    "exclusiveMinimum": _bound(lambda v, l: v > l, ">"),
    "exclusiveMaximum": _bound(lambda v, l: v < l, "<"),
    "minLength": _min_length,
    "pattern": _pattern,
}


def check_row_lengths(row, path):
    """Per-token arrays must line up with tokens; JSON Schema cannot say so (TS checks the same)."""
    if "tokens" not in row:
        for side in ("chosen", "rejected"):
            if len(row[side]["mask"]) != len(row[side]["tokens"]):
                raise SchemaError(f"{path}.{side}.mask", "length differs from tokens")
        return
    for name in ("mask", "sampler_logprobs", "advantages", "rewards", "ref_logprobs"):
        values = row.get(name)
        if values is not None and len(values) != len(row["tokens"]):
            raise SchemaError(f"{path}.{name}", f"has {len(values)} entries, tokens {len(row['tokens'])}")
