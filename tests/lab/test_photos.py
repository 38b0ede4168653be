"""The decoders' photo set: licences read from Debian copyright files, versions of one artwork and
near-copies dropped, a held-out split, and the committed manifest."""

import json
from pathlib import Path

import numpy as np
from PIL import Image

from brushwork.lab import photos
from brushwork.lab.photos import PhotoEntry, artwork, difference_hash, drop_copies, licence_of

MANIFEST = Path(photos.__file__).resolve().parent.parent / "assets" / "decoders" / "photos.json"

DEP5 = """Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: wallpapers

Files: *
Copyright: 2020 Someone
License: GPL-2+

Files: 16.04/aitzgorri_by_Aitzol_Berasategi.jpg
Copyright: 2016 Aitzol Berasategi
License: CC-BY-4.0

Files: nature/*.jpg
Copyright: 2012 Someone Else
License: CC-BY-SA-3.0

Files: debian/*
Copyright: 2020 The Maintainer
License: Expat
"""

FREE_FORM = """Image Authors:

 - adwaita*
 - Chmiri.jpg:
   Copyright 2011 Jakub Steiner
   Licensed under Creative Commons Attribution-ShareAlike 3.0 License.

 - Stones.jpg:
   Licensed under Creative Commons Attribution 2.0 License.

Licenses:
   This package is free software; you can redistribute it and/or modify
   it under the terms of the GNU General Public License as published by
   the Free Software Foundation; either version 2 of the License, or
"""


def test_the_last_matching_stanza_of_a_machine_readable_copyright_gives_the_licence():
    assert licence_of("usr/share/backgrounds/aitzgorri_by_Aitzol_Berasategi.jpg", DEP5) == "CC-BY-4.0"
    assert licence_of("usr/share/backgrounds/mate/nature/Aqua.jpg", DEP5) == "CC-BY-SA-3.0"
    assert licence_of("usr/share/backgrounds/mate/abstract/Silk.png", DEP5) == "GPL-2+"  # Files: *, not debian/*


def test_a_free_form_copyright_is_read_by_file_name_then_the_packages_own_licence():
    assert licence_of("usr/share/backgrounds/gnome/adwaita-d.webp", FREE_FORM) == (
        "Creative Commons Attribution-ShareAlike 3.0 License"
    )
    assert licence_of("usr/share/backgrounds/gnome/Stones.jpg", FREE_FORM) == "Creative Commons Attribution 2.0 License"
    assert licence_of("usr/share/backgrounds/gnome/wood-l.webp", FREE_FORM).startswith("GPL-2+ (the package's")
    assert licence_of("x.png", "no licence words here") == "see debian/copyright"


def entry(path: str, width: int, sha: str, package: str = "pkg") -> PhotoEntry:
    return PhotoEntry(package, "1", path, 1, width, width // 2, sha, "GPL-2+", "train")


def test_versions_of_one_artwork_and_near_copies_keep_only_the_largest():
    assert artwork(entry("usr/share/wallpapers/Altai/contents/images/1080x1920.png", 1, "a")) == "pkg/Altai"
    assert artwork(entry("usr/share/backgrounds/sway/Sway_Wallpaper_Blue_2048x1536_Portrait.png", 1, "a")) == (
        "pkg/Sway_Wallpaper_Blue"
    )
    assert artwork(entry("usr/share/backgrounds/gnome/adwaita-d.webp", 1, "a")) == "pkg/adwaita"
    rng = np.random.default_rng(0)
    picture = Image.fromarray(rng.integers(0, 255, (64, 96, 3), dtype=np.uint8))
    other = Image.fromarray(rng.integers(0, 255, (64, 96, 3), dtype=np.uint8))
    entries = [
        entry("a/small.png", 800, "s1"),
        entry("a/big.png", 1600, "s2"),  # the same picture, larger
        entry("b/else.png", 1200, "s3"),
        entry("b/copy.png", 1200, "s3"),  # the same bytes
    ]
    hashes = {
        "s1": difference_hash(picture),
        "s2": difference_hash(picture.resize((192, 128))),
        "s3": difference_hash(other),
    }
    drop_copies(entries, hashes)
    assert [e.split for e in entries] == ["dropped", "train", "train", "dropped"]
    assert entries[0].note == "a version of pkg/a/big.png" and entries[3].note == "a copy of pkg/b/else.png"


def test_the_committed_manifest_holds_a_split_photo_set_with_a_licence_for_each():
    document = json.loads(MANIFEST.read_text())
    assert [(p["package"], p["version"]) for p in document["packages"]] == list(photos.PACKAGES)
    entries = [PhotoEntry(**entry) for entry in document["photos"]]
    kept = [e for e in entries if e.split != "dropped"]
    held_out = [e for e in kept if e.split == "held-out"]
    assert len(kept) >= 80 and len(held_out) * photos.HELD_OUT_EVERY >= len(kept) - photos.HELD_OUT_EVERY
    assert all(e.licence and min(e.width, e.height) >= photos.MIN_SIDE for e in kept)
    assert len({e.sha256 for e in kept}) == len(kept)
    assert len({artwork(e) for e in kept}) == len(kept)  # no artwork on both sides of the split
    # The evaluation images come from other packages and are never trained on.
    assert not {e.package for e in entries} & {"python3-skimage", "opencv-doc", "scikit-image"}
    assert all(e.note for e in entries if e.split == "dropped")
