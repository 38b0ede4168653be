"""What made an output: the technique, its settings and brushwork's version, written with every image.

A PNG carries the record in an iTXt chunk named ``brushwork``; other formats get a JSON sidecar
(``out.jpg`` -> ``out.jpg.json``). ``brushwork info`` prints it, and ``--settings FILE`` takes a
record (PNG or JSON) or a bare settings object, so any result can be made again.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

from .errors import BrushworkError, one_line
from .settings.schema import Settings, settings_class, show_value, spec_of

PNG_KEY = "brushwork"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
S = TypeVar("S", bound=Settings)


def record(
    technique: str,
    settings: Settings | Mapping[str, Any],
    inputs: Mapping[str, Any] | None = None,
    status: str = "finished",
    run: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The record written with an output. ``inputs`` are written by file name only (no folders).

    ``settings`` is a settings object, or for a command without one (``visualize filters``) its options.
    ``run``: what the machine chose where the settings left it a choice (``encoders.precision.resolved_run``).
    """
    from . import __version__

    made = {
        "brushwork": __version__,
        "technique": technique,
        "status": status,
        "settings": settings.to_dict() if isinstance(settings, Settings) else dict(settings),
        "inputs": _file_names(dict(inputs or {})),
    }
    if run:
        made["run"] = dict(run)
    return made


def _file_names(value: Any) -> Any:
    if isinstance(value, (str, os.PathLike)):
        return Path(value).name
    if isinstance(value, Mapping):
        return {str(k): _file_names(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_file_names(v) for v in value]
    return value


def sidecar_path(path: Path) -> Path:
    """Where the record of a non-PNG output goes."""
    return path.with_name(path.name + ".json")


def needs_sidecar(path: Path) -> bool:
    return path.suffix.lower() != ".png"


def read_record(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The record of a brushwork output (PNG chunk, or the JSON sidecar of another format), or a JSON file."""
    path = Path(path)
    if not path.is_file():
        raise BrushworkError(f"{path}: no such file")
    try:
        with path.open("rb") as f:
            head = f.read(8)
    except OSError as exc:
        raise BrushworkError(f"{path}: cannot be read ({exc.strerror})") from None
    if head == PNG_SIGNATURE:
        text = _png_text(path)
        if text is None:
            raise BrushworkError(f"{path}: carries no brushwork settings (not written by brushwork?)")
        return _parse_json(text, path)
    if path.suffix.lower() == ".json":
        return _parse_json(path.read_text(encoding="utf-8", errors="replace"), path)
    sidecar = sidecar_path(path)
    if sidecar.is_file():
        return _parse_json(sidecar.read_text(encoding="utf-8", errors="replace"), sidecar)
    raise BrushworkError(f"{path}: carries no brushwork settings and has no {sidecar.name} beside it")


def _png_text(path: Path) -> str | None:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            text = image.info.get(PNG_KEY)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise BrushworkError(f"{path}: PNG file is truncated or corrupt") from None
    return text if isinstance(text, str) else None


def _parse_json(text: str, where: Path) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BrushworkError(f"{where}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
    if not isinstance(data, dict):
        raise BrushworkError(f"{where}: expected a JSON object, not {type(data).__name__}")
    return data


def settings_from_file(path: str | os.PathLike[str], base: S) -> S:
    """Settings of ``base``'s class read from a record or a bare settings object; keys it lacks keep ``base``'s."""
    data = read_record(path)
    cls = type(base)
    if "settings" in data and "technique" in data:
        if data["technique"] != cls.technique:
            raise BrushworkError(f"{path}: holds {data['technique']} settings, not {cls.technique} settings")
        data = data["settings"]
    try:
        return cls.from_dict(data, base=base)
    except BrushworkError as exc:
        raise BrushworkError(f"{path}: {exc}") from None


def describe(data: Mapping[str, Any]) -> str:
    """A record as lines for people: what made the file, then one setting per line."""
    lines = [
        f"made by brushwork {data.get('brushwork', '?')}: {data.get('technique', '?')}"
        + (f" ({data['status']})" if data.get("status") not in (None, "finished") else "")
    ]
    inputs = data.get("inputs") or {}
    for role, names in inputs.items():
        shown = (
            names
            if isinstance(names, str)
            else ", ".join(f"{k}: {v}" for k, v in names.items())
            if isinstance(names, dict)
            else ", ".join(map(str, names))
        )
        lines.append(f"  {role}: {shown}")
    run = data.get("run")
    if isinstance(run, Mapping) and run:
        lines.append("ran with: " + ", ".join(f"{key} {value}" for key, value in run.items()))
    settings = data.get("settings", data)
    cls = settings_class(str(data.get("technique")))
    declared = {f.name: spec_of(f) for f in dataclasses.fields(cls)} if cls is not None else {}  # type: ignore[arg-type]
    lines.append("settings:")
    for key, value in settings.items():
        if value is None:  # in the setting's own word for it: "auto", "none"
            shown = show_value(declared[key], None) if key in declared else "none"
        else:
            shown = " ".join(map(str, value)) if isinstance(value, list) else str(value)
        lines.append(f"  {key} = {shown}")
    return "\n".join(one_line(line) for line in lines) + "\n"
