"""What made an output: the technique, its settings and brushwork's version, written with every image.

A PNG carries the record in an iTXt chunk named ``brushwork``; other formats get a JSON sidecar
(``out.jpg`` -> ``out.jpg.json``), and a JPEG or WebP that travels alone (the studio's downloads)
carries it in its XMP packet. ``brushwork info`` prints it, and ``--settings FILE`` takes a
record (PNG or JSON) or a bare settings object, so any result can be made again.
"""

from __future__ import annotations

import dataclasses
import html
import json
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

from .documents import MAX_DOCUMENT_BYTES, expect, parse_json, type_name
from .errors import BrushworkError, one_line
from .settings.schema import Settings, settings_class, show_value, spec_of

PNG_KEY = "brushwork"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# The record in an XMP packet: one element of our own namespace, its text the record's JSON.
XMP_RECORD = re.compile(rb"<brushwork:record>(.*?)</brushwork:record>", re.DOTALL)
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


def xmp_packet(made: Mapping[str, Any]) -> bytes:
    """An XMP packet that carries ``made`` (a record), for a JPEG or WebP with no sidecar."""
    text = html.escape(json.dumps(made, ensure_ascii=False), quote=False)
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" xmlns:brushwork="urn:x-brushwork:record:1">'
        f"<brushwork:record>{text}</brushwork:record>"
        '</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
    ).encode()


def sidecar_path(path: Path) -> Path:
    """Where the record of a non-PNG output goes."""
    return path.with_name(path.name + ".json")


def needs_sidecar(path: Path) -> bool:
    return path.suffix.lower() != ".png"


def read_record(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The record of a brushwork output (PNG chunk, or the JSON sidecar of another format), or a JSON file."""
    path = Path(path)
    _check_regular_file(path)
    try:
        with path.open("rb") as f:
            head = f.read(8)
    except OSError as exc:
        raise BrushworkError(f"{path}: cannot be read ({exc.strerror})") from None
    if head == PNG_SIGNATURE:
        text = _png_text(path)
        if text is None:
            raise BrushworkError(f"{path}: carries no brushwork settings (not written by brushwork?)")
        return _parse_record(text, path)
    if path.suffix.lower() == ".json":
        return _parse_record(_read_document(path), path)
    sidecar = sidecar_path(path)
    if sidecar.exists():
        _check_regular_file(sidecar)
        return _parse_record(_read_document(sidecar), sidecar)
    embedded = _xmp_text(path)
    if embedded is not None:
        return _parse_record(embedded, path)
    raise BrushworkError(f"{path}: carries no brushwork settings and has no {sidecar.name} beside it")


def _check_regular_file(path: Path) -> None:
    """A FIFO or a device (/dev/zero) exists, but reading it would block or never end."""
    if not path.exists():
        raise BrushworkError(f"{path}: no such file")
    if not path.is_file():
        kind = "a folder" if path.is_dir() else "not a regular file"
        raise BrushworkError(f"{path}: {kind}; give a brushwork image or a JSON file")


def _read_document(path: Path) -> bytes:
    """A JSON file's bytes, read no further than the documents' size bound (and one byte to tell)."""
    try:
        with path.open("rb") as f:
            return f.read(MAX_DOCUMENT_BYTES + 1)
    except OSError as exc:
        raise BrushworkError(f"{path}: cannot be read ({exc.strerror})") from None


def _png_text(path: Path) -> str | None:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            text = image.info.get(PNG_KEY)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise BrushworkError(f"{path}: PNG file is truncated or corrupt") from None
    return text if isinstance(text, str) else None


def _xmp_text(path: Path) -> str | None:
    """The record in a JPEG's or WebP's XMP packet, if it has one (the packet itself is not parsed as XML)."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path, formats=["JPEG", "WEBP"]) as image:
            packet = image.info.get("xmp")
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return None
    found = XMP_RECORD.search(packet) if isinstance(packet, bytes) else None
    return None if found is None else html.unescape(found[1].decode("utf-8", "replace"))


def _parse_record(data: str | bytes, where: Path) -> dict[str, Any]:
    """A record or a settings object: a JSON object within the bounds of ``documents``; a record's
    settings, inputs and run of the types a record has."""
    document = expect(parse_json(data, str(where)), dict, f"{where}: the document")
    for key, kind in (("settings", dict), ("inputs", dict), ("run", dict)):
        if key in document and "technique" in document:
            expect(document[key], kind, f"{where}: {key!r}")
    return document


def settings_from_file(path: str | os.PathLike[str], base: S) -> S:
    """Settings of ``base``'s class read from a record or a bare settings object; keys it lacks keep ``base``'s."""
    data = read_record(path)
    cls = type(base)
    if "settings" in data and "technique" in data:
        if data["technique"] != cls.technique:
            technique = data["technique"] if isinstance(data["technique"], str) else type_name(data["technique"])
            raise BrushworkError(f"{path}: holds {technique[:40]} settings, not {cls.technique} settings")
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
    for role, names in inputs.items() if isinstance(inputs, Mapping) else ():
        if isinstance(names, Mapping):
            shown = ", ".join(f"{k}: {v}" for k, v in names.items())
        elif isinstance(names, list):
            shown = ", ".join(map(str, names))
        else:  # a name, or in a hand-made record anything else JSON holds
            shown = str(names)
        lines.append(f"  {role}: {shown}")
    run = data.get("run")
    if isinstance(run, Mapping) and run:
        lines.append("ran with: " + ", ".join(f"{key} {value}" for key, value in run.items()))
    settings = data.get("settings", data)
    if not isinstance(settings, Mapping):
        settings = {}
    cls = settings_class(str(data.get("technique")))
    declared = {f.name: spec_of(f) for f in dataclasses.fields(cls)} if cls is not None else {}
    lines.append("settings:")
    for key, value in settings.items():
        if value is None:  # in the setting's own word for it: "auto", "none"
            shown = show_value(declared[key], None) if key in declared else "none"
        else:
            shown = " ".join(map(str, value)) if isinstance(value, list) else str(value)
        lines.append(f"  {key} = {shown}")
    return "\n".join(one_line(line) for line in lines) + "\n"
