"""Command-line words for settings whose value is more than one number: ``512x384``, ``0-15,20``.

They raise ValueError with a one-line message; the CLI reports it against the option.
"""

from __future__ import annotations


def image_size(text: str) -> tuple[int, int]:
    """``512x384`` (width x height) or ``512`` (square) -> (height, width)."""
    width, sep, height = text.lower().partition("x")
    try:
        w, h = int(width), int(height) if sep else int(width)
    except ValueError:
        raise ValueError(f"expected WIDTHxHEIGHT or SIZE, e.g. 512x512, not {text!r}") from None
    if w < 1 or h < 1:
        raise ValueError(f"sizes must be >= 1: {text!r}")
    return h, w


def show_image_size(size: tuple[int, int]) -> str:
    return f"{size[1]}x{size[0]}"


# The widest layer brushwork has is EfficientNet-Lite0's head (1280 channels).
MAX_CHANNEL = 1279


def channel_list(text: str) -> tuple[int, ...]:
    """``0-15,20`` -> (0, 1, ..., 15, 20)."""
    channels: list[int] = []
    largest = -1
    for part in text.split(","):
        first, sep, last = part.strip().partition("-")
        try:
            if sep:
                lo, hi = int(first), int(last)
                if hi < lo:
                    raise ValueError
                largest = max(largest, hi)
                hi = min(hi, MAX_CHANNEL + 1)  # a range past every layer's width is refused below, not expanded
                channels.extend(range(lo, hi + 1))
            else:
                channels.append(int(first))
                largest = max(largest, channels[-1])
        except ValueError:
            raise ValueError(f"expected channels like 0-15,20, not {text!r}") from None
    if any(c < 0 for c in channels):
        raise ValueError(f"channels must be >= 0: {text!r}")
    if largest > MAX_CHANNEL:
        raise ValueError(f"no layer has a channel {largest} (the widest has {MAX_CHANNEL + 1}): {text!r}")
    return tuple(channels)


def show_channel_list(channels: tuple[int, ...]) -> str:
    return ",".join(map(str, channels))
