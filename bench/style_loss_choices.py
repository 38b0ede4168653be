"""Two choices issue 16 asks to settle by measurement, judged as bench/style_losses.py judges:

  .venv/bin/python bench/style_loss_choices.py [--size 256] [--pairs chelsea gravel]

a. sliced Wasserstein's directions: drawn once per level (what brushwork does, since L-BFGS keeps a
   curvature history that assumes one objective) or redrawn at every evaluation (Heitz et al.);
b. iterate averaging: the mean of the last k iterates of the last level against the last iterate,
   for the default (Gram) and W2, k in 5, 10, 15.

Writes bench/results/style_loss_choices.json and prints a table of EfficientNet distances.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Mapping

import torch
from measure import RESULTS, ROOT, floor_iteration
from style_losses import IMAGES, PAIRS, Judge, pair_label

sys.path.insert(0, str(ROOT))
import brushwork.techniques.transfer as transfer
from brushwork.geometry import fit_long_edge
from brushwork.losses.distributions import SlicedWassersteinLoss, positions, random_directions
from brushwork.runtime import keep_freed_memory
from brushwork.settings import PRESETS
from brushwork.techniques.transfer import stylize

AVERAGED_TAILS = (5, 10, 15)


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


def timed(content, style, settings, callback=None):
    started = time.perf_counter()
    out = stylize(content, [style], settings, callback=callback)
    return out, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--pairs", nargs="+", default=["chelsea", "gravel"], choices=list(PAIRS))
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
        print(f"{pair_label(pair):<26} {choice:<28} {timing}  {distances}", flush=True)

    for pair in args.pairs:
        content, style = (IMAGES[name]() for name in PAIRS[pair])
        floor = floor_iteration(fit_long_edge(content.shape[-2], content.shape[-1], args.size))
        sliced = PRESETS["default"].replace(size=args.size, style_loss="sliced")
        out, wall = timed(content, style, sliced)
        record(pair, "sliced, fixed per level", out, wall, floor, content, style)
        built = transfer.style_term
        transfer.style_term = redrawn_style_term  # type: ignore[assignment]
        try:
            out, wall = timed(content, style, sliced)
        finally:
            transfer.style_term = built
        record(pair, "sliced, redrawn each call", out, wall, floor, content, style)

        for loss in ("gram", "w2"):
            settings = PRESETS["default"].replace(size=args.size, style_loss=loss)
            last_level: list[torch.Tensor] = []

            def keep(progress, levels=len(settings.scales), kept=last_level):
                if progress.level == levels - 1:
                    kept.append(progress.image.clone())

            out, wall = timed(content, style, settings, keep)
            record(pair, f"{loss}, last iterate", out, wall, floor, content, style)
            for tail in AVERAGED_TAILS:
                averaged = torch.stack(last_level[-tail:]).mean(dim=0)
                record(pair, f"{loss}, mean of last {tail}", averaged, None, floor, content, style)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "style_loss_choices.json").write_text(json.dumps({"size": args.size, "runs": rows}, indent=2) + "\n")
    print(f"wrote {RESULTS / 'style_loss_choices.json'}")


if __name__ == "__main__":
    main()
