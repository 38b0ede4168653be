"""The photo set the feed-forward decoders learn from, assembled from Debian's wallpaper packages.

``assemble(folder)`` downloads each package in ``PACKAGES`` at its pinned version (``apt-get download``:
nothing is installed), unpacks it (``dpkg-deb -x``) into ``folder``, and writes ``folder/photos.json``:
every image file with its package, path, size, pixel size, SHA-256 and licence (from the package's
``debian/copyright``), whether it is kept, and why not. Exact copies and near-copies (the same wallpaper
at several resolutions, a dark variant of a light one: a 64-bit difference hash within
``NEAR_COPY_BITS``) keep only their largest file. One kept photo in ``HELD_OUT_EVERY``, chosen by its
hash, is held out of training for the held-out measurements. The images are never committed; the
manifest is (``brushwork/assets/decoders/photos.json``), so the set can be made again and checked.

The evaluation images (skimage's photos, opencv-doc's paintings and clips) are from other packages
and never in it.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import re
import shutil
import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from ..errors import BrushworkError
from ..files import write_text

# Debian bookworm's wallpaper packages (licences: each package's copyright file, recorded per image).
PACKAGES = (
    ("plasma-workspace-wallpapers", "4:5.27.5-2"),
    ("gnome-backgrounds", "43.1-1"),
    ("mate-backgrounds", "1.26.0-1"),
    ("ukui-wallpapers", "20.04.3-1.1"),
    ("lomiri-wallpapers", "20.04.0-2"),
    ("lomiri-wallpapers-16.04", "20.04.0-2"),
    ("lomiri-wallpapers-20.04", "20.04.0-2"),
    ("sway-backgrounds", "1.7-6"),
)
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp")
MIN_SIDE = 512  # smaller files are icons and previews, not photographs to crop from
NEAR_COPY_BITS = 6  # of 64 difference-hash bits: at most this many differ between near-copies
HELD_OUT_EVERY = 8  # one kept photo in this many (by hash order) is held out of training
MANIFEST_NAME = "photos.json"


@dataclass
class PhotoEntry:
    package: str
    version: str
    path: str  # inside the package, e.g. usr/share/wallpapers/Altai/contents/images/5120x2880.png
    bytes: int
    width: int
    height: int
    sha256: str
    licence: str
    split: str  # "train", "held-out" or "dropped"
    note: str = ""  # why it was dropped

    def file_in(self, folder: Path) -> Path:
        return folder / self.package / self.path


def difference_hash(image: Image.Image) -> int:
    """A 64-bit hash of the brightness gradient over a 9x8 thumbnail: near-copies differ in few bits."""
    small = np.asarray(image.convert("L").resize((9, 8), Image.Resampling.LANCZOS), dtype=np.int16)
    bits = (small[:, 1:] > small[:, :-1]).flatten()
    return int("".join("1" if bit else "0" for bit in bits), 2)


def dep5_licences(text: str) -> list[tuple[str, str]]:
    """(Files pattern, License) pairs of a machine-readable copyright file, in order."""
    pairs = []
    for stanza in re.split(r"\n\s*\n", text):
        files = re.search(r"^Files:\s*(.+(?:\n[ \t]+.+)*)", stanza, re.MULTILINE)
        licence = re.search(r"^License:\s*(\S.*)$", stanza, re.MULTILINE)
        if files and licence:
            for pattern in files.group(1).split():
                pairs.append((pattern, licence.group(1).strip()))
    return pairs


def free_form_licences(text: str) -> dict[str, str]:
    """File name -> licence of a free-form copyright file that lists image names ("- Name.jpg:"), then the
    licence they share ("Licensed under ...")."""
    found: dict[str, str] = {}
    waiting: list[str] = []
    for line in text.splitlines():
        named = re.match(r"\s*-\s*([\w.*-]+)\s*:?\s*$", line)
        if named:
            waiting.append(named.group(1))
            continue
        licensed = re.search(r"Licensed under (.+?)\.?\s*$", line)
        if licensed and waiting:
            for name in waiting:
                found[name] = licensed.group(1)
            waiting = []
    return found


def licence_of(path: str, copyright_text: str) -> str:
    """The licence the copyright file gives ``path`` (the last matching DEP-5 stanza wins), or what a
    free-form one says of its file name; "see debian/copyright" where it says nothing that can be read."""
    matched = ""
    for pattern, licence in dep5_licences(copyright_text):
        tail = path.split("/")
        # Patterns are relative to the upstream source, not the installed path: match any tail of it, or
        # the file name alone (the source's 16.04/x.jpg is installed as usr/share/backgrounds/x.jpg).
        if pattern.startswith("debian/"):
            continue  # the packaging's own files
        named = pattern.split("/")[-1]
        if any(fnmatch.fnmatch("/".join(tail[i:]), pattern) for i in range(len(tail))) or (
            "*" not in named and named == tail[-1]
        ):
            matched = licence
    if matched:
        return matched
    name = Path(path).name
    for listed, licence in free_form_licences(copyright_text).items():
        if fnmatch.fnmatch(name, listed):
            return licence
    if "GNU General Public License" in copyright_text and "version 2" in copyright_text:
        return "GPL-2+ (the package's licence; its copyright file names no other for this file)"
    return "see debian/copyright"


def download(folder: Path) -> None:
    """Each package's .deb at its pinned version in ``folder/debs`` (kept between runs), unpacked."""
    debs = folder / "debs"
    debs.mkdir(parents=True, exist_ok=True)
    if shutil.which("apt-get") is None or shutil.which("dpkg-deb") is None:
        raise BrushworkError("the photo set is assembled from Debian packages: this needs apt-get and dpkg-deb")
    for package, version in PACKAGES:
        if not list(debs.glob(f"{package}_*.deb")):
            done = subprocess.run(
                ["apt-get", "download", f"{package}={version}"], cwd=debs, capture_output=True, text=True
            )
            if done.returncode != 0:
                why = (done.stderr.strip().splitlines() or ["no reason given"])[-1]
                raise BrushworkError(f"apt-get download {package}={version} failed: {why}")
        unpacked = folder / package
        if not unpacked.is_dir():
            deb = next(debs.glob(f"{package}_*.deb"))
            subprocess.run(["dpkg-deb", "-x", str(deb), str(unpacked)], check=True)


def survey(folder: Path) -> list[PhotoEntry]:
    """Every image file of every package, with its facts and licence; kept, held out or dropped."""
    entries: list[PhotoEntry] = []
    hashes: dict[str, int] = {}
    for package, version in PACKAGES:
        root = folder / package
        copyright_file = root / "usr" / "share" / "doc" / package / "copyright"
        copyright_text = copyright_file.read_text(errors="replace") if copyright_file.is_file() else ""
        for file in sorted(p for p in root.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file()):
            relative = file.relative_to(root).as_posix()
            with Image.open(file) as image:
                width, height = image.size
                digest = hashlib.sha256(file.read_bytes()).hexdigest()
                entry = PhotoEntry(
                    package,
                    version,
                    relative,
                    file.stat().st_size,
                    width,
                    height,
                    digest,
                    licence_of(relative, copyright_text),
                    "train",
                )
                if min(width, height) < MIN_SIDE:
                    entry.split, entry.note = "dropped", f"smaller than {MIN_SIDE} px a side"
                else:
                    hashes[digest] = difference_hash(image)
            entries.append(entry)
    drop_copies(entries, hashes)
    kept = sorted((e for e in entries if e.split == "train"), key=lambda e: e.sha256)
    for index, entry in enumerate(kept):
        if index % HELD_OUT_EVERY == HELD_OUT_EVERY // 2:
            entry.split = "held-out"
    return entries


def artwork(entry: PhotoEntry) -> str:
    """What a file is a version of: a KDE wallpaper's folder (its sizes, portrait and dark variants), or
    the file's stem less a size, a side or a light/dark marker (``Sway_Wallpaper_Blue_2048x1536_Portrait``,
    ``adwaita-d``)."""
    parts = entry.path.split("/")
    if "wallpapers" in parts and parts.index("wallpapers") + 1 < len(parts):
        return f"{entry.package}/{parts[parts.index('wallpapers') + 1]}"
    stem = Path(entry.path).stem
    bare = re.sub(r"([_-](\d+x\d+|[dl]|dark|light|portrait|landscape))+$", "", stem, flags=re.IGNORECASE)
    return f"{entry.package}/{bare}"


def drop_copies(entries: list[PhotoEntry], hashes: dict[str, int]) -> None:
    """Of each group of versions of one artwork, exact copies and near copies, keep the file with the
    most pixels."""
    candidates = sorted((e for e in entries if e.split == "train"), key=lambda e: -(e.width * e.height))
    kept: list[PhotoEntry] = []
    for entry in candidates:
        twin = next(
            (
                k
                for k in kept
                if k.sha256 == entry.sha256
                or artwork(k) == artwork(entry)
                or bin(hashes[k.sha256] ^ hashes[entry.sha256]).count("1") <= NEAR_COPY_BITS
            ),
            None,
        )
        if twin is None:
            kept.append(entry)
        else:
            entry.split = "dropped"
            kind = "a copy" if twin.sha256 == entry.sha256 else "a version"
            entry.note = f"{kind} of {twin.package}/{twin.path}"


def assemble(folder: Path) -> list[PhotoEntry]:
    """Download, unpack and survey the packages; write ``folder/photos.json``; the entries."""
    folder.mkdir(parents=True, exist_ok=True)
    download(folder)
    entries = survey(folder)
    write_manifest(folder / MANIFEST_NAME, entries)
    return entries


def write_manifest(path: Path, entries: list[PhotoEntry]) -> None:
    document = {
        "packages": [{"package": p, "version": v} for p, v in PACKAGES],
        "photos": [asdict(entry) for entry in entries],
    }
    write_text(path, json.dumps(document, indent=1) + "\n", overwrite=True)


def read_manifest(path: Path) -> list[PhotoEntry]:
    try:
        document = json.loads(path.read_text())
        return [PhotoEntry(**entry) for entry in document["photos"]]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise BrushworkError(f"{path}: not a photo-set manifest ({exc})") from None


def default_photo_dir() -> Path:
    from .data import default_data_home

    return default_data_home() / "photos"
