"""InstructLab's JSON schemas from the installed instructlab-schema package, with validators built once."""

from __future__ import annotations

import functools
import json
import pathlib
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urldefrag

from instructlab.schema import schema_base
from jsonschema.protocols import Validator
from jsonschema.validators import validator_for
from referencing import Registry, Resource
from referencing.exceptions import NoSuchResource
from referencing.jsonschema import DRAFT202012, SchemaRegistry, SchemaResource

#: Taxonomy roots, which name the schema their leaves follow.
ROOTS = ("compositional_skills", "knowledge", "foundational_skills")

KNOWLEDGE = "knowledge"
GROUNDED_SKILL = "grounded_skill"
FREEFORM_SKILL = "freeform_skill"

_UNEXPECTED_KEY_FIX = "Remove or rename the unexpected key: only the keys the schema lists are allowed here."
_FIXES = {
    "required": "Add the missing key; the InstructLab schema requires it here.",
    "type": "Give this value the type the schema expects; put text in quotes so YAML keeps it a string.",
    "minLength": "Fill in this value: it must not be empty.",
    "unevaluatedProperties": _UNEXPECTED_KEY_FIX,
    "additionalProperties": _UNEXPECTED_KEY_FIX,
    "const": "Set this to the value the schema requires (for 'version', the schema version of the file).",
    "uniqueItems": "Make each item of this list different: remove or change the repeated one.",
    "enum": "Use one of the values the schema allows.",
}
_UNEXPECTED_KEY = re.compile(r"\('([^']+)'(?:, '[^']*')* (?:was|were) unexpected\)")


@dataclass(frozen=True)
class SchemaError:
    """One schema violation with InstructLab's message and yaml_path, plus the key path to locate it."""

    path: tuple[Any, ...]
    yaml_path: str
    message: str
    rule: str
    fix: str


@dataclass(frozen=True)
class CompiledSchema:
    """A ready validator, or the error InstructLab reports when the schema cannot be used."""

    validator: Validator | None
    error: str = ""
    error_rule: str = ""
    error_fix: str = ""


def schema_name_for(taxonomy_parts: Sequence[str], data: Mapping[Any, Any]) -> str:
    """The schema for a leaf: named by the first root in its taxonomy path, else guessed from its content.

    foundational_skills leaves are skills. Without a root, a leaf with a 'document' is knowledge, as
    InstructLab decides.
    """
    for part in taxonomy_parts:
        if part in ROOTS:
            return "compositional_skills" if part == "foundational_skills" else part
    return "knowledge" if "document" in data else "compositional_skills"


def leaf_kind(schema_name: str, data: Mapping[Any, Any]) -> str:
    """knowledge, grounded_skill (a skill whose seed examples give a context) or freeform_skill."""
    if schema_name == "knowledge":
        return KNOWLEDGE
    examples = data.get("seed_examples")
    if isinstance(examples, list) and any(isinstance(e, Mapping) and "context" in e for e in examples):
        return GROUNDED_SKILL
    return FREEFORM_SKILL


@functools.lru_cache(maxsize=64)
def _resource(path: str) -> SchemaResource:
    schema_path = schema_base().joinpath(path)
    try:
        contents = json.loads(schema_path.read_text(encoding="utf-8"))
        return Resource.from_contents(contents, default_specification=DRAFT202012)
    except Exception as error:
        raise NoSuchResource(str(schema_path)) from error


def _retrieve(version_dir: str, uri: str) -> SchemaResource:
    return _resource(pathlib.PurePosixPath(version_dir, uri).as_posix())


@functools.lru_cache(maxsize=32)
def compiled_schema(version: str, schema_name: str) -> CompiledSchema:
    """The validator for ``schema_name`` at schema ``version`` (as written in the file), built once."""
    retrieve = functools.partial(_retrieve, f"v{version}")
    try:
        schema = retrieve(f"{schema_name}.json").contents
    except NoSuchResource as error:
        return CompiledSchema(
            validator=None,
            error=f"Cannot load schema file {error.ref}. {error}",
            error_rule="schema-missing",
            error_fix="Set 'version' to a schema version InstructLab has (3 is current).",
        )
    if isinstance(schema, Mapping) and schema.get("deprecated"):
        # InstructLab's deprecated schemas carry the deprecation message as their description
        message = schema.get("description") or f"{schema_name} schema version {version} is deprecated"
        return CompiledSchema(
            validator=None,
            error=message,
            error_rule="schema-deprecated",
            error_fix="Move the file to the current schema: set 'version: 3' and follow its layout.",
        )
    registry: SchemaRegistry = Registry(retrieve=retrieve)  # type: ignore[call-arg]
    # An immutable registry forgets what a validation retrieves, so every file would retrieve and re-crawl
    # the referenced schemas (most of the validation time); registering them up front keeps the same
    # resources under the same URIs and makes each lookup a dictionary hit.
    for uri in sorted(_external_refs(schema)):
        try:
            registry = registry.with_resource(uri, retrieve(uri))
        except NoSuchResource:
            continue  # left to fail at validation time, where InstructLab meets it
    validator: Validator = validator_for(schema)(schema, registry=registry.crawl())
    return CompiledSchema(validator=validator)


def _external_refs(schema: Any) -> set[str]:
    """The documents a schema's "$ref"s point into, named as the resolver asks for them (no $id here)."""
    found: set[str] = set()
    stack = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, Mapping):
            ref = node.get("$ref")
            if isinstance(ref, str) and not ref.startswith("#"):
                found.add(urldefrag(ref).url)
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return found


def schema_errors(validator: Validator, data: Any) -> Iterator[SchemaError]:
    """The schema violations of ``data``, in jsonschema's order, with InstructLab's messages."""
    for error in validator.iter_errors(data):
        yaml_path = error.json_path[1:] or "."
        path = tuple(error.absolute_path)
        if error.validator == "minItems":
            # InstructLab shortens this one: jsonschema's own message repeats the whole list
            message = f"Value must have at least {error.validator_value} items"
            fix = f"Add items: this list needs at least {error.validator_value}."
        else:
            message = error.message[-200:]
            fix = _FIXES.get(str(error.validator), "Change this value so it follows the InstructLab schema.")
            unexpected = _UNEXPECTED_KEY.search(error.message)
            if unexpected and isinstance(error.instance, Mapping) and unexpected.group(1) in error.instance:
                path = (*path, unexpected.group(1))
        yield SchemaError(
            path=path, yaml_path=yaml_path, message=message, rule=f"schema/{error.validator}", fix=fix
        )
