"""Command-line options generated from a settings dataclass, so a setting is declared only once.

Every generated option is left out of the namespace unless the user gave it: settings the user did
not type keep the value of the preset (or settings file) they start from. argparse only turns words
into numbers; whether a value is allowed is the engine's ``validate()``.
"""

from __future__ import annotations

import argparse
import dataclasses
from collections.abc import Callable, Collection, Mapping
from typing import Any

from ..settings.schema import (
    FieldType,
    Settings,
    Spec,
    field_type,
    flag_of,
    parse_word,
    sequence_value,
    show_value,
    spec_of,
)


def word(parse: Callable[[str], Any]) -> Callable[[str], Any]:
    """An argparse type from a ``brushwork.settings.words`` parser (ValueError -> a usage error)."""

    def parse_word(text: str) -> Any:
        try:
            return parse(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    return parse_word


def _word_parser(kind: FieldType, spec: Spec) -> Callable[[str], Any]:
    def parse(text: str) -> Any:
        try:
            return parse_word(kind, spec, text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    return parse


def _help(
    field: dataclasses.Field[Any], default: Any, default_label: str, variants: Mapping[str, Settings] | None
) -> str:
    spec = spec_of(field)
    text = spec.help
    if spec.none_word is not None and spec.none_means:
        text += f"; {spec.none_word}: {spec.none_means}"
    values = {name: getattr(v, field.name) for name, v in (variants or {}).items()}
    if len(set(map(repr, values.values()))) > 1:
        text += " (default: " + ", ".join(f"{name} {show_value(spec, v)}" for name, v in values.items()) + ")"
    else:
        text += f" ({default_label}: {show_value(spec, default)})"
    return text.replace("%", "%%")  # argparse %-formats help texts


def add_settings_options(
    parser: argparse.ArgumentParser,
    defaults: Settings,
    default_label: str = "default",
    variants: Mapping[str, Settings] | None = None,
    skip: Collection[str] = (),
    title: str | None = None,
) -> None:
    """One option per field of ``defaults``' settings class (less those named in ``skip``: another class's
    options already there), its help ending in ``defaults``' value (or, where ``variants`` such as
    per-model defaults differ, in each of theirs)."""
    cls = type(defaults)
    group = parser.add_argument_group(title or f"{cls.technique} settings")
    for field in dataclasses.fields(cls):
        spec = spec_of(field)
        if not spec.cli or field.name in skip:
            continue
        kind = field_type(cls, field)
        options: dict[str, Any] = {
            "dest": field.name,
            "default": argparse.SUPPRESS,
            "help": _help(field, getattr(defaults, field.name), "default" if variants else default_label, variants),
        }
        if kind.base is bool and not kind.sequence:
            options["action"] = argparse.BooleanOptionalAction
        else:
            options["type"] = _word_parser(kind, spec)
            if kind.sequence and spec.parse is None:
                options["nargs"] = "+"
            if spec.metavar is not None:
                options["metavar"] = spec.metavar
            elif kind.choices is not None:
                options["metavar"] = "{" + ",".join(map(str, kind.choices)) + "}"
        group.add_argument(flag_of(field), **options)


def settings_changes(args: argparse.Namespace, cls: type[Settings]) -> dict[str, Any]:
    """The settings the user typed, as values of ``cls``' fields."""
    changes: dict[str, Any] = {}
    for field in dataclasses.fields(cls):
        if not hasattr(args, field.name):
            continue
        value = getattr(args, field.name)
        changes[field.name] = sequence_value(field, value) if isinstance(value, list) else value
    return changes
