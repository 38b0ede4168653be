"""A contact sheet of a print-size result: the whole picture with 100 % crops across tile corners.

  .venv/bin/python bench/print_sheet.py bench/results/large-4096-6GB.png --step 304 -o docs/print-size-4096.jpg

``--step`` is the step between tile centres of the full-size level (bench/large.py's ``tile_step`` of
the plan it reports). Three tile corners are cropped at 100 % (256 px a side, the corner in the
middle, red ticks at the boundaries) and marked on the overview, so edges, a grid of repeated
strokes or a change of stroke scale between tiles would show.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from PIL import Image, ImageDraw

CROP = 256
OVERVIEW_HEIGHT = 788


def corners(width: int, height: int, step: int) -> list[tuple[int, int]]:
    """Three tile corners: left of centre, centre and right of centre, at different heights."""
    xs = list(range(step, width, step))
    ys = list(range(step, height, step))
    picks = [(len(xs) // 4, len(ys) // 3), (len(xs) // 2, len(ys) // 2), (3 * len(xs) // 4, 2 * len(ys) // 3)]
    return [(xs[i], ys[j]) for i, j in picks]


def sheet(result: Image.Image, step: int) -> Image.Image:
    scale = OVERVIEW_HEIGHT / result.height
    overview = result.resize((round(result.width * scale), OVERVIEW_HEIGHT), Image.Resampling.LANCZOS)
    crop_side = (OVERVIEW_HEIGHT - 2 * 10) // 3
    out = Image.new("RGB", (overview.width + 10 + crop_side, OVERVIEW_HEIGHT), "white")
    out.paste(overview, (0, 0))
    draw = ImageDraw.Draw(out)
    for index, (x, y) in enumerate(corners(result.width, result.height, step)):
        crop = result.crop((x - CROP // 2, y - CROP // 2, x + CROP // 2, y + CROP // 2)).resize(
            (crop_side, crop_side), Image.Resampling.NEAREST
        )
        ticks = ImageDraw.Draw(crop)
        middle = crop_side // 2
        for a, b in (((middle, 0), (middle, 8)), ((middle, crop_side - 9), (middle, crop_side - 1))):
            ticks.line([a, b], fill="red", width=2)
            ticks.line([a[::-1], b[::-1]], fill="red", width=2)
        out.paste(crop, (overview.width + 10, index * (crop_side + 10)))
        box = [(x - CROP // 2) * scale, (y - CROP // 2) * scale, (x + CROP // 2) * scale, (y + CROP // 2) * scale]
        draw.rectangle(box, outline="red", width=2)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("result", type=Path)
    parser.add_argument("--step", type=int, required=True, help="step between tile centres at full size, px")
    parser.add_argument("-o", "--output", type=Path, required=True)
    args = parser.parse_args()
    sheet(Image.open(args.result).convert("RGB"), args.step).save(args.output, quality=88)
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
