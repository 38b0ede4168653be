"""The whole image's loss and gradient, computed one tile at a time (for sizes whose features do not fit).

Every term that reads features is a function of sums over positions: a Gram matrix is Σ f fᵀ over the
feature map, a content loss Σ (f − t)². So the image is cut into tiles whose centres partition it,
each read with a halo wide enough (``memory.tile_halo``, from ``layers.vgg19_reach``) that its
centre's features equal the whole image's:

1. a first pass, without gradients, adds up every term's sums over the tiles' centres and gives the
   exact loss of the whole image;
2. the gradient of the loss with respect to those sums is taken once (they are small: C x C);
3. a second pass runs each tile again with gradients and back-propagates ⟨∂L/∂S, S_tile⟩, which is
   exactly the tile's share of the whole image's gradient, into the tile's pixels.

Only one tile's activations are alive at a time. Terms on the pixels themselves (TV) need no tiling.
L-BFGS sees one objective: to it this is an ordinary differentiable function of the image.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import torch

from ..encoders.base import Encoder
from ..encoders.precision import network_autocast
from ..errors import BrushworkError
from ..layers import deepest_layer, vgg19_stride
from ..memory import release_freed_memory, tile_halo
from .moments import LayerMoments, layer_moments, merge

Statistics = dict[str, torch.Tensor]


@dataclass(frozen=True)
class Window:
    """A tile: its centre ``[top, bottom) x [left, right)`` and the halo'd box the network reads."""

    top: int
    bottom: int
    left: int
    right: int
    outer_top: int
    outer_bottom: int
    outer_left: int
    outer_right: int

    def on(self, layer: str) -> tuple[slice, slice]:
        """The centre, in ``layer``'s feature coordinates of the whole image."""
        stride = vgg19_stride(layer)
        return slice(self.top // stride, self.bottom // stride), slice(self.left // stride, self.right // stride)

    def local(self, layer: str) -> tuple[slice, slice]:
        """The centre, in ``layer``'s feature coordinates of the halo'd box."""
        stride = vgg19_stride(layer)
        rows, cols = self.on(layer)
        top, left = self.outer_top // stride, self.outer_left // stride
        return slice(rows.start - top, rows.stop - top), slice(cols.start - left, cols.stop - left)

    def crop(self, image: torch.Tensor) -> torch.Tensor:
        return image[..., self.outer_top : self.outer_bottom, self.outer_left : self.outer_right]


class TileableTerm(Protocol):
    """A loss term that is a function of sums over the feature map's positions."""

    @property
    def layers(self) -> list[str]: ...

    def statistics(self, features: Mapping[str, torch.Tensor], window: Window) -> Statistics:
        """The term's sums over the window's centre; ``features`` are already cut to it."""

    def from_statistics(self, statistics: Mapping[str, torch.Tensor]) -> torch.Tensor:
        """The weighted loss from the sums over the whole image."""


def tile_windows(height: int, width: int, tile: int, layers: Sequence[str]) -> list[Window]:
    """Tiles of about ``tile`` px whose centres partition the image, each with the halo ``layers`` need.

    Centres and halos are multiples of the deepest layer's stride, so every tile's pooling grid is
    the whole image's.
    """
    align = vgg19_stride(deepest_layer(layers))
    halo = tile_halo(layers)
    step = max(align, tile // align * align)

    def cuts(size: int) -> list[tuple[int, int]]:
        starts = list(range(0, size, step))
        if len(starts) > 1 and size - starts[-1] < align:  # no sliver of a tile at the end
            starts.pop()
        ends = [*starts[1:], size]
        return list(zip(starts, ends))

    return [
        Window(
            top,
            bottom,
            left,
            right,
            max(0, top - halo),
            min(height, bottom + halo),
            max(0, left - halo),
            min(width, right + halo),
        )
        for top, bottom in cuts(height)
        for left, right in cuts(width)
    ]


def centre_features(
    encoder: Encoder,
    tile_image: torch.Tensor,
    window: Window,
    layers: Sequence[str],
    autocast_dtype: torch.dtype | None,
) -> dict[str, torch.Tensor]:
    """The network's features of a halo'd tile, cut to the tile's centre."""
    with network_autocast(autocast_dtype, tile_image.device.type):
        features = encoder(tile_image, layers)
    centre = {}
    for layer, feature in features.items():
        rows, cols = window.local(layer)
        centre[layer] = feature[..., rows, cols]
    return centre


def _whole_or_tiles(
    encoder: Encoder, image: torch.Tensor, layers: Sequence[str], tile: int | None, autocast_dtype: torch.dtype | None
) -> Iterator[tuple[Window | None, dict[str, torch.Tensor]]]:
    """Features without gradients: of the whole image at once (``tile`` None), or of each tile's centre."""
    with torch.no_grad():
        if tile is None:
            with network_autocast(autocast_dtype, image.device.type):
                yield None, dict(encoder(image, layers))
            return
        for window in tile_windows(image.shape[-2], image.shape[-1], tile, layers):
            yield window, centre_features(encoder, window.crop(image), window, layers, autocast_dtype)


def feature_maps(
    encoder: Encoder, image: torch.Tensor, layers: Sequence[str], tile: int | None, autocast_dtype: torch.dtype | None
) -> dict[str, torch.Tensor]:
    """The whole image's feature maps at ``layers``, without gradients: at once, or put together from the
    centres of tiles of ``tile`` px (a content target at a print size: one tile's pass in memory at a time)."""
    maps: dict[str, torch.Tensor] = {}
    for window, features in _whole_or_tiles(encoder, image, layers, tile, autocast_dtype):
        if window is None:
            return features
        for layer, feature in features.items():
            if layer not in maps:
                stride = vgg19_stride(layer)
                shape = (*feature.shape[:2], image.shape[-2] // stride, image.shape[-1] // stride)
                maps[layer] = feature.new_empty(shape)
            maps[layer][(..., *window.on(layer))] = feature
    return maps


def feature_moments(
    encoder: Encoder, image: torch.Tensor, layers: Sequence[str], tile: int | None, autocast_dtype: torch.dtype | None
) -> LayerMoments:
    """Each layer's moments of the image's features (what a Gram or W2 style target reads): at once, or
    merged over tiles of ``tile`` px, so that a style image at a print size needs one tile's pass."""
    moments: LayerMoments | None = None
    for _, features in _whole_or_tiles(encoder, image, layers, tile, autocast_dtype):
        moments = merge(moments, layer_moments(features))
    assert moments is not None  # an image has at least one tile
    return moments


def tileable(term: Any) -> bool:
    """Whether ``term`` is a function of sums over positions (a region term: all of its regions)."""
    regions = getattr(term, "regions", None)
    if regions is not None:
        return all(tileable(region) for region in regions)
    return hasattr(term, "statistics") and hasattr(term, "from_statistics")


class _TiledFeatureTerms(torch.autograd.Function):
    """Forward: the feature terms' values, by the first pass. Backward: their gradient, by the second."""

    @staticmethod
    def forward(ctx: Any, image: torch.Tensor, evaluator: TiledLossTerms) -> torch.Tensor:
        totals = evaluator.sums(image.detach())
        with torch.enable_grad():
            leaves = {name: {k: v.detach().requires_grad_() for k, v in s.items()} for name, s in totals.items()}
            values = [evaluator.feature_terms[name].from_statistics(leaves[name]) for name in evaluator.feature_terms]
        ctx.save_for_backward(image)
        ctx.evaluator, ctx.leaves, ctx.values = evaluator, leaves, values
        return torch.stack([v.detach() for v in values])

    @staticmethod
    def backward(ctx: Any, grad_values: torch.Tensor) -> tuple[torch.Tensor, None]:
        (image,) = ctx.saved_tensors
        evaluator: TiledLossTerms = ctx.evaluator
        leaves = [leaf for name in evaluator.feature_terms for leaf in ctx.leaves[name].values()]
        with torch.enable_grad():
            weighted = sum((g * v for g, v in zip(grad_values, ctx.values)), torch.zeros((), device=image.device))
            grads = torch.autograd.grad(weighted, leaves, allow_unused=True)
        by_term: dict[str, Statistics] = {}
        position = 0
        for name in evaluator.feature_terms:
            by_term[name] = {}
            for key in ctx.leaves[name]:
                grad = grads[position]
                by_term[name][key] = torch.zeros_like(ctx.leaves[name][key]) if grad is None else grad
                position += 1
        return evaluator.pull_back(image.detach(), by_term), None


class TiledLossTerms:
    """``LossTerms`` over tiles: the same ``terms(image) -> {name: weighted loss}``, the same values and
    gradients (to float32 rounding), with one tile's activations in memory at a time."""

    def __init__(
        self,
        encoder: Encoder,
        terms: Mapping[str, Any],
        tile: int,
        autocast_dtype: torch.dtype | None = None,
        on_tile: Callable[[int, int], None] | None = None,
    ):
        self.encoder = encoder
        self.terms = dict(terms)
        self.feature_terms: dict[str, TileableTerm] = {n: t for n, t in self.terms.items() if t.layers}
        for name, term in self.feature_terms.items():
            if not tileable(term):
                raise BrushworkError(
                    f"this size needs the network in tiles, and the {name} term cannot be tiled "
                    "(only sums over positions can: the gram and w2 style losses, content): give a smaller size or "
                    "the gram or w2 style loss"
                )
        self.tile = tile
        self.autocast_dtype = autocast_dtype
        # Told (done, total) after each tile of both passes: an iteration at a print size takes long.
        self.on_tile = on_tile
        self.layers = sorted({layer for term in self.feature_terms.values() for layer in term.layers})

    def windows(self, image: torch.Tensor) -> list[Window]:
        return tile_windows(image.shape[-2], image.shape[-1], self.tile, self.layers)

    def _centre_features(self, tile_image: torch.Tensor, window: Window) -> dict[str, torch.Tensor]:
        return centre_features(self.encoder, tile_image, window, self.layers, self.autocast_dtype)

    def sums(self, image: torch.Tensor) -> dict[str, Statistics]:
        """Pass 1: every feature term's sums over the whole image, tile by tile, without gradients."""
        totals: dict[str, Statistics] = {name: {} for name in self.feature_terms}
        windows = self.windows(image)
        with torch.no_grad():
            for done, window in enumerate(windows, start=1):
                features = self._centre_features(window.crop(image), window)
                for name, term in self.feature_terms.items():
                    for key, value in term.statistics(features, window).items():
                        totals[name][key] = totals[name][key] + value if key in totals[name] else value
                self._tile_done(done, 2 * len(windows))
        return totals

    def _tile_done(self, done: int, total: int) -> None:
        if self.on_tile is not None:
            self.on_tile(done, total)

    def pull_back(self, image: torch.Tensor, grads: Mapping[str, Statistics]) -> torch.Tensor:
        """Pass 2: the image's gradient, each tile back-propagating ⟨∂L/∂S, S_tile⟩."""
        gradient = torch.zeros_like(image)
        windows = self.windows(image)
        for done, window in enumerate(windows, start=len(windows) + 1):
            tile_image = window.crop(image).detach().requires_grad_()
            with torch.enable_grad():
                features = self._centre_features(tile_image, window)
                surrogate = torch.zeros((), device=image.device)
                for name, term in self.feature_terms.items():
                    for key, value in term.statistics(features, window).items():
                        surrogate = surrogate + (grads[name][key] * value).sum()
                (tile_grad,) = torch.autograd.grad(surrogate, tile_image)
            window.crop(gradient).add_(tile_grad)
            self._tile_done(done, 2 * len(windows))
        release_freed_memory()  # the tiles' freed activations, which would stay resident (a tiled level is tight)
        return gradient

    def __call__(self, image: torch.Tensor) -> dict[str, torch.Tensor]:
        values = _TiledFeatureTerms.apply(image, self) if self.feature_terms else torch.zeros(0, device=image.device)
        by_name = dict(zip(self.feature_terms, values.unbind(0) if len(self.feature_terms) else []))
        return {name: by_name[name] if name in by_name else term({}, image) for name, term in self.terms.items()}
