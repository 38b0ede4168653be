"""The 1000 ImageNet classes by name, in the classifiers' output order (no torch: a setting names one)."""

from __future__ import annotations

import difflib
from functools import lru_cache
from importlib import resources

from .errors import BrushworkError


@lru_cache(maxsize=1)
def imagenet_classes() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(WordNet id, names) of the 1000 ImageNet classes in the networks' output order."""
    text = (resources.files("brushwork") / "assets" / "imagenet_classes.txt").read_text(encoding="utf-8")
    classes = []
    for line in text.splitlines():
        wnid, names = line.split("\t")
        classes.append((wnid, tuple(n.strip() for n in names.split(","))))
    return tuple(classes)


def find_imagenet_class(query: str) -> int:
    """Index of the class named ``query`` (any of its names, case-insensitive; a WordNet id or an index work too)."""
    text = query.strip()
    classes = imagenet_classes()
    if text.isdigit() and int(text) < len(classes):
        return int(text)
    key = text.lower()
    for index, (wnid, names) in enumerate(classes):
        if key == wnid or key in (n.lower() for n in names):
            return index
    every_name = {n.lower(): n for _, names in classes for n in names}
    close = difflib.get_close_matches(key, list(every_name), n=3, cutoff=0.6)
    hint = f"; did you mean {', '.join(repr(every_name[c]) for c in close)}?" if close else ""
    raise BrushworkError(f"no ImageNet class named {query!r}{hint} (see: brushwork visualize classes)")
