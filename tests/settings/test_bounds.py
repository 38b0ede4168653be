"""Every numeric setting of every technique declares its bounds, and each bound is enforced."""

import dataclasses
import typing

import pytest

import brushwork.lab.settings
import brushwork.settings
import brushwork.settings.video
import brushwork.settings.visualize
from brushwork.settings.schema import SettingError, Settings, spec_of

assert brushwork.settings and brushwork.lab.settings and brushwork.settings.video and brushwork.settings.visualize


def all_settings_classes() -> list[type[Settings]]:
    found, todo = [], list(Settings.__subclasses__())
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo += cls.__subclasses__()
    return sorted(set(found), key=lambda c: c.__qualname__)


def numeric_fields() -> list[tuple[type[Settings], str, type]]:
    rows = []
    for cls in all_settings_classes():
        hints = typing.get_type_hints(cls)
        for field in dataclasses.fields(cls):
            kinds = set(typing.get_args(hints[field.name]) or (hints[field.name],)) - {type(None)}
            if kinds and kinds <= {int, float} and field.default is not dataclasses.MISSING:
                rows.append((cls, field.name, float if float in kinds else int))
    return rows


NUMERIC = numeric_fields()


def test_the_sweep_finds_the_numeric_settings():
    names = {(cls.__name__, name) for cls, name, _ in NUMERIC}
    assert {
        ("TransferSettings", "style_weight"),
        ("TransferSettings", "max_memory"),
        ("DreamSettings", "step"),
    } <= names
    assert len(NUMERIC) > 40


@pytest.mark.parametrize("cls, name, kind", NUMERIC, ids=[f"{c.__name__}.{n}" for c, n, _ in NUMERIC])
def test_every_numeric_setting_declares_and_enforces_its_bounds(cls, name, kind):
    spec = spec_of(next(f for f in dataclasses.fields(cls) if f.name == name))
    assert spec.minimum is not None, f"{cls.__name__}.{name} declares no lower bound"
    assert spec.maximum is not None or spec.cap is not None, f"{cls.__name__}.{name} declares no upper bound"
    step = 1 if kind is int else 1e-3
    below = spec.minimum if spec.exclusive_minimum else spec.minimum - step
    if kind is int:
        below = int(below)
    with pytest.raises(SettingError) as refused:
        cls().replace(**{name: below}).validate()
    assert refused.value.name == name
    top = spec.cap if spec.cap is not None else spec.maximum
    if isinstance(top, str):  # bounded by another setting: above that one's value
        top = getattr(cls(), top)
    above = top + step
    with pytest.raises(SettingError) as refused:
        cls().replace(**{name: int(above) if kind is int else above}).validate()
    assert refused.value.name == name
