"""One declaration per setting: type, default, help, choices, bounds and CLI spelling live on the field.

A technique's settings are a frozen dataclass deriving from ``Settings`` whose fields are made with
``setting(...)``. From that one declaration come the CLI options (``brushwork.cli.options``), a JSON
schema a web form can be built from (``json_schema()``), the round trip through JSON
(``to_dict()`` / ``from_dict()``) and validation (``validate()``), whose messages name the setting
as the user spelled it: ``--style-weight`` on the command line, ``style_weight`` from Python or JSON.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

from ..errors import BrushworkError

# Bumped when a setting is renamed or its meaning changes; from_dict() refuses newer documents.
# 2: transfer's default style loss became W2 (issue 16); see ``Settings.earlier_defaults``.
# 3: transfer's default iterations became "auto" (fewer at full size above 1536 px; issue 14).
# 4: transfer's default starts from the fast tier's draft over two scales (init draft; issue 29).
SCHEMA_VERSION = 4
SCHEMA_VERSION_KEY = "schema_version"


class SettingError(BrushworkError):
    """A setting's value is wrong. The message names it the way its reader typed it."""

    def __init__(self, name: str, flag: str, template: str):
        self.name = name
        self.flag = flag
        self.template = template
        # str.replace, not str.format: the template also holds values the user gave, braces and all.
        super().__init__(template.replace("{name}", name))

    def for_cli(self) -> str:
        """The message with the setting spelled as a command-line option (``--style-weight``)."""
        return BrushworkError(self.template.replace("{name}", self.flag)).args[0]


@dataclass(frozen=True)
class Spec:
    """What a field declares besides its type and default."""

    help: str
    choices: tuple[Any, ...] | None = None
    minimum: float | None = None
    maximum: float | str | None = None  # a number, or the name of another setting that bounds this one
    # An upper limit past any sensible use (so a typo cannot overflow float32 or ask for terabytes); unlike
    # ``maximum`` it is not part of the range messages state, only of the one for a value above it.
    cap: float | None = None
    exclusive_minimum: bool = False
    unit: str = ""  # said after the bounds in messages ("pixels")
    # Checks a value beyond type, choices and bounds (e.g. a known layer name); raises BrushworkError.
    check: Callable[[Any], None] | None = None
    flag: str | None = None  # CLI spelling without the dashes; default: the name with "-" for "_"
    metavar: str | None = None
    # Turns one command-line word into the whole value (e.g. "512x384" -> (384, 512)); without it a
    # tuple takes one word per item.
    parse: Callable[[str], Any] | None = None
    none_word: str | None = None  # the word that means None on the command line ("none")
    none_means: str = ""  # what None means, for the help text
    show: Callable[[Any], str] | None = None  # how a value is written in help texts
    cli: bool = True
    nonempty: bool = True  # tuples need at least one item


def setting(
    default: Any,
    help: str,
    *,
    choices: tuple[Any, ...] | None = None,
    minimum: float | None = None,
    maximum: float | str | None = None,
    cap: float | None = None,
    exclusive_minimum: bool = False,
    unit: str = "",
    check: Callable[[Any], None] | None = None,
    flag: str | None = None,
    metavar: str | None = None,
    parse: Callable[[str], Any] | None = None,
    none_word: str | None = None,
    none_means: str = "",
    show: Callable[[Any], str] | None = None,
    cli: bool = True,
    nonempty: bool = True,
) -> Any:
    """A settings field: its default and everything the front ends need to know about it (``Spec``), each
    keyword typed, so that a misspelt or mistyped declaration is a type error."""
    spec = Spec(
        help,
        choices,
        minimum,
        maximum,
        cap,
        exclusive_minimum,
        unit,
        check,
        flag,
        metavar,
        parse,
        none_word,
        none_means,
        show,
        cli,
        nonempty,
    )
    return dataclasses.field(default=default, metadata={"setting": spec})


def redeclared(owner: type, name: str, default: Any) -> Any:
    """``owner``'s setting ``name`` declared again with another default, for a subclass: the same help,
    bounds and spelling, so the setting stays declared once."""
    (declared,) = [f for f in dataclasses.fields(owner) if f.name == name]
    return dataclasses.field(default=default, metadata=declared.metadata)


def spec_of(field: dataclasses.Field[Any]) -> Spec:
    spec = field.metadata.get("setting")
    if not isinstance(spec, Spec):
        raise TypeError(f"settings field {field.name!r} was not declared with setting()")
    return spec


def flag_of(field: dataclasses.Field[Any]) -> str:
    return "--" + (spec_of(field).flag or field.name.replace("_", "-"))


TRUE_WORDS, FALSE_WORDS = ("true", "yes", "on"), ("false", "no", "off")


def sequence_value(field: dataclasses.Field[Any], values: list[Any]) -> tuple[Any, ...] | None:
    """A sequence field's parsed words as its value: a tuple, or None where its ``none`` word stands alone."""
    if None not in values:
        return tuple(values)
    if len(values) > 1:
        raise BrushworkError(f"{flag_of(field)}: {spec_of(field).none_word!r} must stand alone")
    return None


def parse_word(kind: FieldType, spec: Spec, text: str) -> Any:
    """One word as the command line spells a value (or an item of a sequence); ValueError says what is wrong."""
    if spec.none_word is not None and text.lower() == spec.none_word:
        return None
    if spec.parse is not None:
        return spec.parse(text)
    if kind.base is int:
        try:
            return int(text)
        except ValueError:
            raise ValueError(f"not an integer: {text!r}") from None
    if kind.base is float:
        try:
            return float(text)
        except ValueError:
            raise ValueError(f"not a number: {text!r}") from None
    return text


@dataclass(frozen=True)
class FieldType:
    """A field's annotation, reduced to what validation and parsing need."""

    base: type  # int, float, str or bool
    sequence: bool  # tuple[base, ...] (or a fixed-length tuple)
    length: int | None  # fixed length of a tuple, None for any
    optional: bool
    choices: tuple[Any, ...] | None = None  # a Literal's values, or the Spec's ``choices``


@functools.cache
def _type_hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def field_type(cls: type, field: dataclasses.Field[Any]) -> FieldType:
    hint = _type_hints(cls)[field.name]
    optional = False
    args = typing.get_args(hint)
    if typing.get_origin(hint) in (typing.Union, types.UnionType) and type(None) in args:
        optional = True
        (hint,) = [a for a in args if a is not type(None)]
    sequence, length = False, None
    if typing.get_origin(hint) is tuple:
        items = typing.get_args(hint)
        sequence, length = True, None if len(items) == 2 and items[1] is Ellipsis else len(items)
        hint = items[0]
    choices = spec_of(field).choices
    if typing.get_origin(hint) is typing.Literal:  # choices declared by the type: mypy checks them too
        choices = typing.get_args(hint)
        hint = type(choices[0])
    return FieldType(hint, sequence, length, optional, choices)


_TYPE_WORDS = {int: "an integer", float: "a number", str: "a string", bool: "true or false"}
_TYPE_PLURALS = {int: "integers", float: "numbers", str: "strings", bool: "true/false values"}


def show_value(spec: Spec, value: Any) -> str:
    """A value as help texts and messages write it."""
    if value is None:
        return spec.none_word or "none"
    if spec.show is not None:
        return spec.show(value)
    if isinstance(value, tuple):
        return " ".join(map(str, value))
    return str(value)


S = TypeVar("S", bound="Settings")


def settings_class(technique: str) -> type[Settings] | None:
    """The settings class of a technique by its name (``"transfer"``), or None if none has it."""
    pending: list[type[Settings]] = [Settings]
    while pending:
        cls = pending.pop()
        if cls.technique == technique and dataclasses.is_dataclass(cls):  # not the base, whose technique is ""
            return cls
        pending.extend(cls.__subclasses__())
    return None


@dataclass(frozen=True)
class Settings:
    """Base of every technique's settings: a frozen dataclass, as each subclass is."""

    # The job kind these settings belong to ("transfer", "texture", ...), as written into outputs.
    technique: ClassVar[str] = ""
    # When a change sets the key but not the value, the value goes back to its default (e.g. new style
    # layers make explicit per-layer weights meaningless).
    resets: ClassVar[Mapping[str, str]] = {}
    # Defaults that a schema version changed: {the version that changed them: {setting: its default
    # before, as JSON}}. A document of an older version that leaves such a setting out meant the old
    # default, so it is read with that, and an old picture's settings still make the same picture.
    earlier_defaults: ClassVar[Mapping[int, Mapping[str, Any]]] = {}

    # ------------------------------------------------------------------ construction

    def replace(self: S, **changes: Any) -> S:
        unknown = sorted(set(changes) - {f.name for f in dataclasses.fields(self)})
        if unknown:
            raise self._unknown(unknown[0])
        return dataclasses.replace(self, **changes)

    def updated(self: S, changes: Mapping[str, Any]) -> S:
        """These settings with ``changes`` applied, resetting what a change makes meaningless (``resets``)."""
        changes = dict(changes)
        for key, dependent in self.resets.items():
            if key in changes and dependent not in changes:
                changes[dependent] = self._field(dependent).default
        return self.replace(**changes)

    @classmethod
    def _field(cls, name: str) -> dataclasses.Field[Any]:
        for f in dataclasses.fields(cls):
            if f.name == name:
                return f
        raise cls._unknown(name)

    @classmethod
    def _unknown(cls, name: str) -> BrushworkError:
        known = ", ".join(f.name for f in dataclasses.fields(cls))
        return BrushworkError(f"unknown {cls.technique} setting {name!r}; known settings: {known}")

    @classmethod
    def changes_from_words(cls, words: Mapping[str, Any]) -> dict[str, Any]:
        """Values spelt as on the command line (a manifest's cells: ``"3"``, ``"30 60 90"``, ``"yes"``,
        ``"none"``), keyed by field name or flag, as field values; bounds are ``validate()``'s to check."""
        changes: dict[str, Any] = {}
        for key, given in words.items():
            field = cls._field(str(key).replace("-", "_"))
            kind, spec, flag = field_type(cls, field), spec_of(field), flag_of(field)
            if kind.base is bool and not kind.sequence:
                word = str(given).lower()
                if not isinstance(given, bool) and word not in TRUE_WORDS + FALSE_WORDS:
                    raise BrushworkError(f"{key}: {given!r} is not true or false")
                changes[field.name] = given if isinstance(given, bool) else word in TRUE_WORDS
                continue
            texts = [str(v) for v in given] if isinstance(given, list) else str(given).split()
            try:
                values = [parse_word(kind, spec, text) for text in texts]
            except ValueError as exc:
                raise BrushworkError(f"argument {flag}: {exc}") from None
            if not kind.sequence:
                if len(values) != 1:
                    raise BrushworkError(f"argument {flag}: expected one value, not {len(values)}")
                changes[field.name] = values[0]
            else:
                changes[field.name] = sequence_value(field, values)
        return changes

    # ------------------------------------------------------------------ travelling

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the schema version, then every setting (tuples as lists)."""
        data: dict[str, Any] = {SCHEMA_VERSION_KEY: SCHEMA_VERSION}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            data[f.name] = list(value) if isinstance(value, tuple) else value
        return data

    @classmethod
    def from_dict(cls: type[S], data: Mapping[str, Any], base: S | None = None) -> S:
        """Settings from ``to_dict()``'s form; keys left out keep ``base``'s (default: the class defaults).

        Unknown keys, values of the wrong type and values out of bounds are refused with one line.
        """
        if not isinstance(data, Mapping):
            raise BrushworkError(f"{cls.technique} settings must be a JSON object, not {type(data).__name__}")
        values = dict(data)
        version = values.pop(SCHEMA_VERSION_KEY, SCHEMA_VERSION)
        if not isinstance(version, int) or isinstance(version, bool) or not 1 <= version <= SCHEMA_VERSION:
            raise BrushworkError(
                f"settings schema version {version!r} is not one this brushwork reads (1..{SCHEMA_VERSION}); "
                "upgrade brushwork"
            )
        for changed_in, defaults in cls.earlier_defaults.items():
            if version < changed_in:
                for name, value in defaults.items():
                    values.setdefault(name, value)
        changes = {}
        for name, value in values.items():
            field = cls._field(name)
            changes[name] = _from_json(cls, field, value)
        settings = (base if base is not None else cls()).replace(**changes)
        settings.validate()
        return settings

    # ------------------------------------------------------------------ validation

    def validate(self) -> None:
        """Check every field against its declaration, then the rules between fields (``check()``).

        A field that bounds another (``max_size`` for ``size``) is checked first, so the bound is a number.
        """
        fields = dataclasses.fields(self)
        bounds = {spec_of(f).maximum for f in fields if isinstance(spec_of(f).maximum, str)}
        for f in sorted(fields, key=lambda f: f.name not in bounds):
            self._validate_field(f, getattr(self, f.name))
        self.check()

    def check(self) -> None:
        """Rules that involve several fields; subclasses raise ``self.error(name, ...)``."""

    def error(self, name: str, template: str) -> SettingError:
        """A SettingError for field ``name``; ``{name}`` in ``template`` becomes the user's spelling of it."""
        return SettingError(name, flag_of(self._field(name)), template)

    def about(self, name: str, check: Callable[..., object], *args: Any) -> None:
        """Run ``check(*args)``; a BrushworkError it raises becomes one about setting ``name``."""
        try:
            check(*args)
        except SettingError:
            raise
        except BrushworkError as exc:
            raise self.error(name, "{name}: " + str(exc)) from None

    def _validate_field(self, f: dataclasses.Field[Any], value: Any) -> None:
        spec = spec_of(f)
        kind = field_type(type(self), f)
        if value is None:
            if not kind.optional:
                raise self.error(f.name, "{name} must be given (it has no 'none')")
            return
        if kind.sequence:
            if not isinstance(value, tuple):
                raise self.error(f.name, f"{{name}} must be a list of {_TYPE_PLURALS[kind.base]}, not {value!r}")
            if kind.length is not None and len(value) != kind.length:
                raise self.error(f.name, f"{{name}} needs {kind.length} values, not {len(value)}")
            if spec.nonempty and not value:
                raise self.error(f.name, "{name} needs at least one value")
            items = value
        else:
            items = (value,)
        for item in items:
            self._validate_item(f, spec, kind, item)

    def _validate_item(self, f: dataclasses.Field[Any], spec: Spec, kind: FieldType, item: Any) -> None:
        base = kind.base
        if not _is_instance(item, base):
            raise self.error(f.name, f"{{name}} must be {_TYPE_WORDS[base]}, not {item!r}")
        if base is float and not math.isfinite(item):
            raise self.error(f.name, f"{{name}} must be a finite number, not {item}")
        if kind.choices is not None and item not in kind.choices:
            raise self.error(f.name, f"{{name}} must be one of {', '.join(map(str, kind.choices))}, not {item!r}")
        if base in (int, float):
            self._check_bounds(f, spec, item)
        if spec.check is not None:
            self.about(f.name, spec.check, item)

    def _check_bounds(self, f: dataclasses.Field[Any], spec: Spec, item: float) -> None:
        low = spec.minimum
        high = getattr(self, spec.maximum) if isinstance(spec.maximum, str) else spec.maximum
        unit = f" {spec.unit}" if spec.unit else ""
        if spec.cap is not None and item > spec.cap:
            raise self.error(f.name, f"{{name}} must be <= {_number(spec.cap)}{unit}, not {_number(item)}")
        low_ok = low is None or (item > low if spec.exclusive_minimum else item >= low)
        high_ok = high is None or item <= high
        if low_ok and high_ok:
            return
        if low is not None and high is not None:
            low_text, high_text = _number(low), _number(high)
            bounds = (
                f"in ({low_text}, {high_text}]" if spec.exclusive_minimum else f"between {low_text} and {high_text}"
            )
        elif low is not None:
            bounds = f"> {_number(low)}" if spec.exclusive_minimum else f">= {_number(low)}"
        else:
            bounds = f"<= {_number(high)}"
        raise self.error(f.name, f"{{name}} must be {bounds}{unit}, not {_number(item)}")

    # ------------------------------------------------------------------ description

    @classmethod
    def json_schema(cls, defaults: Settings | None = None) -> dict[str, Any]:
        """A JSON Schema (draft 2020-12) of these settings, defaults from ``defaults`` (e.g. a preset)."""
        defaults = defaults if defaults is not None else cls()
        properties: dict[str, Any] = {
            SCHEMA_VERSION_KEY: {"type": "integer", "minimum": 1, "maximum": SCHEMA_VERSION, "default": SCHEMA_VERSION}
        }
        for f in dataclasses.fields(cls):
            properties[f.name] = _property_schema(cls, f, defaults.to_dict()[f.name])
        return {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": f"brushwork {cls.technique} settings",
            "type": "object",
            "properties": properties,
            "additionalProperties": False,
        }


def _number(value: float | None) -> str:
    """Whole numbers exactly (a seed of 2**64), others as short as they read (1e-05, 0.5)."""
    if value is None:
        return "none"
    if isinstance(value, int) or (value.is_integer() and abs(value) < 1e6):
        return str(int(value))
    return f"{value:g}"


def _is_instance(value: Any, base: type) -> bool:
    if base is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if base is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, base)


def _from_json(cls: type, field: dataclasses.Field[Any], value: Any) -> Any:
    """JSON's lists become tuples and whole numbers in float fields become floats; the rest is validate()'s."""
    kind = field_type(cls, field)
    if kind.sequence and isinstance(value, list):
        value = tuple(value)
    if kind.base is float:
        if isinstance(value, tuple):
            return tuple(float(v) if _is_instance(v, float) else v for v in value)
        if _is_instance(value, float):
            return float(value)
    return value


_JSON_TYPES = {int: "integer", float: "number", str: "string", bool: "boolean"}


def _property_schema(cls: type, field: dataclasses.Field[Any], default: Any) -> dict[str, Any]:
    spec = spec_of(field)
    kind = field_type(cls, field)
    item: dict[str, Any] = {"type": _JSON_TYPES[kind.base]}
    if kind.choices is not None:
        item["enum"] = list(kind.choices)
    if spec.minimum is not None:
        item["exclusiveMinimum" if spec.exclusive_minimum else "minimum"] = spec.minimum
    if isinstance(spec.maximum, (int, float)):
        item["maximum"] = spec.maximum
    if spec.cap is not None:
        item["maximum"] = spec.cap
    schema: dict[str, Any]
    if kind.sequence:
        schema = {"type": "array", "items": item}
        if kind.length is not None:
            schema.update(minItems=kind.length, maxItems=kind.length)
        elif spec.nonempty:
            schema["minItems"] = 1
    else:
        schema = item
    none_word = show_value(spec, None)
    if kind.optional:
        schema = {"anyOf": [schema, {"type": "null"}], "x-none-word": none_word}
    schema["description"] = spec.help + (f" ({none_word}: {spec.none_means})" if spec.none_means else "")
    schema["default"] = default
    if isinstance(spec.maximum, str):
        schema["x-maximum-setting"] = spec.maximum
    schema["x-flag"] = flag_of(field)
    return schema
