"""The JSON schema of POST /commands' body, generated from the typed commands
(`lifecycle.commands.COMMANDS`), so the OpenAPI document lists every command type with its
fields, the required ones and the accepted date range, and cannot drift from the parser."""

from __future__ import annotations

import dataclasses
import types
import typing
from datetime import date
from decimal import Decimal
from typing import Any

from aggregates import cpd, qualifications
from lifecycle import commands

DEFAULTS_TO_TODAY = ("on", "as_of")
DATE = {"type": "string", "format": "date",
        "description": f"YYYY-MM-DD, from {commands.EARLIEST} to {commands.LATEST}"}


def _schema_of(hint: Any) -> tuple[dict, bool]:
    """The JSON schema of a field's type, and whether it may be left out (None allowed)."""
    optional = False
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        members = [a for a in typing.get_args(hint) if a is not type(None)]
        optional = len(members) < len(typing.get_args(hint))
        hint = members[0]
    if hint is str:
        return {"type": "string", "minLength": 1}, optional
    if hint is bool:
        return {"type": "boolean"}, True
    if hint is int:
        return {"type": "integer", "minimum": 1}, optional
    if hint is date:
        return dict(DATE), optional
    if hint is Decimal:
        return {"type": ["string", "number"],
                "description": "a positive decimal with at most 2 places"}, optional
    if typing.get_origin(hint) is list:
        (item,) = typing.get_args(hint)
        items = {"type": "string"} if item is str else {"type": "object"}
        return {"type": "array", "items": items}, True
    raise TypeError(f"no JSON schema for {hint!r}")


def command_schema(cls: type[commands.Command]) -> dict:
    hints = typing.get_type_hints(cls)
    properties: dict[str, dict] = {"type": {"const": cls.type}}
    required = ["type"]
    for field in dataclasses.fields(cls):
        if field.name == "holder" and not cls.has_holder:
            continue
        schema, optional = _schema_of(hints[field.name])
        schema.update(_choices(cls, field.name))
        if field.name == "holder":
            optional = False
        if field.name == "actor":
            schema["description"] = "ignored over HTTP: the token's name is the actor"
        properties[field.name] = schema
        has_default = (field.default is not dataclasses.MISSING
                       or field.default_factory is not dataclasses.MISSING)
        if not (optional or has_default or field.name in DEFAULTS_TO_TODAY):
            required.append(field.name)
    return {"title": cls.__name__, "type": "object", "properties": properties,
            "required": required, "description": " ".join(cls.__doc__.split())}


def _choices(cls: type[commands.Command], name: str) -> dict:
    if name == "qualification":
        professional = cls is not commands.RecordExamPass
        return {"enum": [q for q in qualifications.ALL
                         if not professional or qualifications.is_professional(q)]}
    if name == "purpose":
        return {"enum": list(commands.PURPOSES)}
    if name == "decision":
        return {"enum": list(cls.decisions)}
    if name == "category":
        return {"enum": list(cpd.CATEGORIES)}
    if name == "field":
        return {"maximum": 7, "description": "field of work 1-7 (required for B, C, D)"}
    return {}


def commands_schema() -> dict:
    """One of the command types (its `type` says which)."""
    return {"oneOf": [command_schema(cls) for cls in commands.COMMANDS.values()],
            "description": "A command of SPEC §8, e.g. {\"type\": \"record_exam_pass\", "
                           "\"holder\": \"H0001\", ...}."}
