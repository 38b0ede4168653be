"""Three choices issue 16 asks to settle by measurement, judged as bench/style_losses.py judges:

  .venv/bin/python bench/style_loss_choices.py [--size 256] [--pairs chelsea gravel] [--losses gram w2]

a. sliced Wasserstein's directions: drawn once per level (what brushwork does, since L-BFGS keeps a
   curvature history that assumes one objective) or redrawn at every evaluation (Heitz et al.);
b. iterate averaging: the mean of the last k iterates of the last level against the last iterate
   (k = 5, 10, 15), for each of ``--losses``;
c. a Laplacian-pyramid parameterisation (STROTSS): L-BFGS optimises bands at 1, 1/2, 1/4 ... of each
   level's size, summed (upsampled) into the image, instead of the pixels. Each level starts with
   the whole image in the finest band; the coarse bands take larger steps, as a preconditioner.

The alternatives are patched into the engine here (nothing in brushwork carries them unless the
measurement says they help). Writes bench/results/style_loss_choices.json and prints a table of
EfficientNet distances and times in floor-iterations.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager

import torch
import torch.nn.functional as F
from measure import RESULTS, ROOT, floor_iteration
from style_losses import IMAGES, PAIRS, Judge, pair_label

sys.path.insert(0, str(ROOT))
import brushwork.techniques.transfer as transfer
from brushwork.geometry import fit_long_edge
from brushwork.losses.distributions import SlicedWassersteinLoss, positions, random_directions
from brushwork.runtime import keep_freed_memory
from brushwork.settings import PRESETS
from brushwork.techniques.levels import CoarseToFine, Level
from brushwork.techniques.transfer import stylize

AVERAGED_TAILS = (5, 10, 15)
SMALLEST_BAND = 16  # pixels on the short side


class RedrawnSlicedLoss(SlicedWassersteinLoss):
    """The sliced loss with new random directions (and the style's projections along them) at every call."""

    def __init__(self, style_vectors: Mapping[str, torch.Tensor], layer_weights, weight, mask, seed: int):
        self.style_vectors = dict(style_vectors)
        self.generator = torch.Generator().manual_seed(seed)
        directions = self.draw()
        super().__init__(directions, self.targets(directions), layer_weights, weight, mask)

    def draw(self) -> dict[str, torch.Tensor]:
        return {k: random_directions(v.shape[1], v.shape[1], self.generator) for k, v in self.style_vectors.items()}

    def targets(self, directions: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        return {k: torch.sort(self.style_vectors[k] @ d, dim=0)[0] for k, d in directions.items()}

    def __call__(self, features, image):
        self.directions = self.draw()
        self.target_sorted = self.targets(self.directions)
        return super().__call__(features, image)


def redrawn_style_term(settings, features_per_style, blend, mask):
    vectors = {layer: positions(features_per_style[0][layer]) for layer in settings.style_layers}
    return RedrawnSlicedLoss(vectors, settings.layer_weights(), settings.style_weight, mask, settings.seed)


class LaplacianBands:
    """An image of ``size`` as bands at 1, 1/2, 1/4 ... of it, packed in one flat tensor; the image is
    the sum of the bands upsampled (bilinear) to ``size``."""

    def __init__(self, channels: int, size: tuple[int, int]):
        count = max(1, 1 + int(math.log2(min(size) / SMALLEST_BAND)))
        self.size = size
        self.shapes = [(1, channels, math.ceil(size[0] / 2**k), math.ceil(size[1] / 2**k)) for k in range(count)]

    def pack(self, pixels: torch.Tensor) -> torch.Tensor:
        """The whole image in the finest band, the others zero: ``collapse`` gives ``pixels`` back exactly."""
        rest = sum(math.prod(shape) for shape in self.shapes[1:])
        return torch.cat([pixels.reshape(-1), pixels.new_zeros(rest)])

    def collapse(self, flat: torch.Tensor) -> torch.Tensor:
        parts = flat.split([math.prod(shape) for shape in self.shapes])
        image = parts[0].reshape(self.shapes[0])
        for part, shape in zip(parts[1:], self.shapes[1:], strict=True):
            image = image + F.interpolate(part.reshape(shape), size=self.size, mode="bilinear", align_corners=False)
        return image


class LaplacianSchedule(CoarseToFine):
    """``CoarseToFine`` over Laplacian bands: the technique's callables, and ``run``'s caller, see pixels."""

    def __init__(self, start: Callable, carry: Callable, objective: Callable, to_rgb: Callable, **options):
        bands: dict[int, LaplacianBands] = {}

        def packed(level: Level, pixels: torch.Tensor) -> torch.Tensor:
            bands[level.index] = LaplacianBands(pixels.shape[1], level.size)
            return bands[level.index].pack(pixels)

        def objective_of_bands(level: Level):
            loss = objective(level)
            return lambda flat: loss(bands[level.index].collapse(flat))

        super().__init__(
            lambda level: packed(level, start(level)),
            lambda flat, previous, level: packed(level, carry(bands[previous.index].collapse(flat), previous, level)),
            objective_of_bands,
            lambda flat, level: to_rgb(bands[level.index].collapse(flat), level),
            **options,
        )
        object.__setattr__(self, "bands", bands)

    def run(self, *args, **kwargs):
        flat, level = super().run(*args, **kwargs)
        return self.bands[level.index].collapse(flat).detach(), level


@contextmanager
def patched(name: str, replacement) -> Iterator[None]:
    built = getattr(transfer, name)
    setattr(transfer, name, replacement)
    try:
        yield
    finally:
        setattr(transfer, name, built)


def timed(content, style, settings, callback=None):
    started = time.perf_counter()
    out = stylize(content, [style], settings, callback=callback)
    return out, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--pairs", nargs="+", default=["chelsea", "gravel"], choices=list(PAIRS))
    parser.add_argument("--losses", nargs="+", default=["gram", "w2"], choices=["gram", "w2"])
    parser.add_argument("--content-weight", type=float, default=PRESETS["default"].content_weight)
    args = parser.parse_args()
    keep_freed_memory()
    judge = Judge()
    rows = []

    def record(pair, choice, out, wall, floor, content, style):
        style_distance, content_distance = judge.distances(out, content, style)
        rows.append(
            {
                "pair": pair_label(pair),
                "choice": choice,
                "wall_s": wall,
                "floor_iterations": None if wall is None else wall / floor,
                "style_distance": style_distance,
                "content_distance": content_distance,
            }
        )
        timing = "       -      " if wall is None else f"{wall:6.1f}s {wall / floor:5.1f} fi"
        distances = f"style {style_distance:.3f}  content {content_distance:.3f}"
        print(f"{pair_label(pair):<26} {choice:<30} {timing}  {distances}", flush=True)

    base = PRESETS["default"].replace(size=args.size, content_weight=args.content_weight)
    for pair in args.pairs:
        content, style = (IMAGES[name]() for name in PAIRS[pair])
        floor = floor_iteration(fit_long_edge(content.shape[-2], content.shape[-1], args.size))
        sliced = base.replace(style_loss="sliced")
        out, wall = timed(content, style, sliced)
        record(pair, "sliced, fixed per level", out, wall, floor, content, style)
        with patched("style_term", redrawn_style_term):
            out, wall = timed(content, style, sliced)
        record(pair, "sliced, redrawn each call", out, wall, floor, content, style)

        for loss in args.losses:
            settings = base.replace(style_loss=loss)
            last_level: list[torch.Tensor] = []

            def keep(progress, levels=len(settings.scales), kept=last_level):
                if progress.level == levels - 1:
                    kept.append(progress.image.clone())

            out, wall = timed(content, style, settings, keep)
            record(pair, f"{loss}, pixels, last iterate", out, wall, floor, content, style)
            for tail in AVERAGED_TAILS:
                averaged = torch.stack(last_level[-tail:]).mean(dim=0)
                record(pair, f"{loss}, mean of last {tail}", averaged, None, floor, content, style)
            with patched("CoarseToFine", LaplacianSchedule):
                out, wall = timed(content, style, settings)
            record(pair, f"{loss}, Laplacian bands", out, wall, floor, content, style)
    RESULTS.mkdir(parents=True, exist_ok=True)
    report = {"size": args.size, "content_weight": args.content_weight, "runs": rows}
    (RESULTS / "style_loss_choices.json").write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {RESULTS / 'style_loss_choices.json'}")


if __name__ == "__main__":
    main()
