"""The fast tier: a painting in one pass, no optimisation.

The photo goes through VGG19 (max pooling) to relu4_1; its feature vectors take the style's distribution
by a parameter-free transform (``brushwork.feature_transforms``: by default the Gaussian optimal-transport
map, the minimiser of the W2 distance that the default's style loss measures); a decoder trained on
photos alone (``brushwork lab decoder``; the shipped one in ``assets/decoders``) paints them back. A
mask gives its region its own style and its own transform; ``strength`` blends the transformed features
with the photo's own. Pictures larger than ``tile`` are encoded and decoded in overlapping tiles (the
transform always sees the whole picture's features).
"""

from __future__ import annotations

import hashlib
import weakref
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import torch
import torch.nn.functional as F

from ..encoders.decoder import Decoder, load_fast_decoder
from ..encoders.precision import autocast_dtype, network_autocast
from ..encoders.vgg import VGG19Encoder, load_vgg19
from ..feature_transforms import Statistics, blend, transform
from ..image import color
from ..image.pyramid import high_frequencies, resize
from ..layers import vgg19_stride
from ..losses.distributions import positions
from ..settings.fast import FAST_LAYER, FastSettings
from .context import RunContext
from .progress import LevelProgress
from .regions import style_regions

FAST_POOLING = "max"  # the decoders invert VGG19 with max pooling (lab/decoders.py)
DETAIL_SHRINK = 4  # ``detail`` is what the photo loses at this fraction of its size
HALO_CELLS = 8  # feature positions of overlap round a tile: 64 px at relu4_1, past the seams' reach


class StatisticsCache:
    """The last few styles' feature statistics, by the encoder that read them and the pixels read: a batch or a
    clip paints many pictures in one style, and its encoding was a third of each picture's time."""

    def __init__(self, size: int = 8):
        self.size = size
        self.entries: OrderedDict[tuple[Any, ...], tuple[weakref.ref[VGG19Encoder], Statistics]] = OrderedDict()

    def get(self, encoder: VGG19Encoder, key: tuple[Any, ...], compute: Callable[[], Statistics]) -> Statistics:
        full_key = (id(encoder), *key)
        found = self.entries.get(full_key)
        if found is not None and found[0]() is encoder:  # the id of an encoder since freed is not a match
            self.entries.move_to_end(full_key)
            return found[1]
        statistics = compute()
        self.entries[full_key] = (weakref.ref(encoder), statistics)
        while len(self.entries) > self.size:
            self.entries.popitem(last=False)
        return statistics


STYLE_STATISTICS = StatisticsCache()


def run_tiled(
    step: Callable[[torch.Tensor], torch.Tensor],
    source: torch.Tensor,
    cells: tuple[int, int],
    tile_cells: int,
    source_per_cell: int,
    result_per_cell: int,
) -> torch.Tensor:
    """``step`` over overlapping tiles of ``source``, whose (height, width) is ``cells`` times
    ``source_per_cell``; each tile's result is cut to its own cells (times ``result_per_cell``) and placed."""
    height, width = cells
    result: torch.Tensor | None = None
    for top in range(0, height, tile_cells):
        for left in range(0, width, tile_cells):
            bottom, right = min(top + tile_cells, height), min(left + tile_cells, width)
            above, before = max(0, top - HALO_CELLS), max(0, left - HALO_CELLS)
            below, after = min(height, bottom + HALO_CELLS), min(width, right + HALO_CELLS)
            window = source[
                ...,
                above * source_per_cell : below * source_per_cell,
                before * source_per_cell : after * source_per_cell,
            ]
            piece = step(window)
            kept = piece[
                ...,
                (top - above) * result_per_cell : (bottom - above) * result_per_cell,
                (left - before) * result_per_cell : (right - before) * result_per_cell,
            ]
            if result is None:
                shape = (*piece.shape[:-2], height * result_per_cell, width * result_per_cell)
                result = torch.empty(shape, dtype=piece.dtype, device=piece.device)
            result[
                ..., top * result_per_cell : bottom * result_per_cell, left * result_per_cell : right * result_per_cell
            ] = kept
    assert result is not None
    return result


def paint(
    content: torch.Tensor,
    styles: Sequence[torch.Tensor],
    settings: FastSettings = FastSettings(),
    *,
    masks: Mapping[int, torch.Tensor] | None = None,
    encoder: VGG19Encoder | None = None,
    decoder: Decoder | None = None,
    callback: Callable[[LevelProgress], None] | None = None,
) -> torch.Tensor:
    """``content`` ((1, 3, H, W) in [0, 1]) painted in the style(s) of ``styles`` in one pass, on the
    content's device. ``masks``: {style index: (1, 1, h, w) weights}, as the transfer's."""
    settings.validate()
    settings.check_styles(len(styles))
    photo = (content.shape[-2], content.shape[-1])
    settings.check_geometry(photo, [(s.shape[-2], s.shape[-1]) for s in styles])
    device = content.device
    encoder = encoder if encoder is not None else load_vgg19([FAST_LAYER], FAST_POOLING, device=device)
    decoder = decoder if decoder is not None else load_fast_decoder(device)
    autocast = autocast_dtype(settings.precision, device)
    output = settings.output_size(photo)
    picture = resize(content, output)
    if settings.preserve_colors == "histogram":
        styles = [color.match_color_histogram(style, picture) for style in styles]
    stride = vgg19_stride(FAST_LAYER)
    # Reflected to whole feature cells; the decoder's picture is cut back to the output's size.
    cells = (-(-output[0] // stride), -(-output[1] // stride))
    tile_cells = max(1, (settings.tile or 10**9) // stride)

    def encode(image: torch.Tensor) -> torch.Tensor:
        with torch.no_grad(), network_autocast(autocast, image.device.type):
            return encoder(image, [FAST_LAYER])[FAST_LAYER].float()

    def decode(features: torch.Tensor) -> torch.Tensor:
        with torch.no_grad(), network_autocast(autocast, features.device.type):
            return decoder(features).float()

    def encode_whole(image: torch.Tensor) -> torch.Tensor:
        """An image's features, in tiles where it is larger than ``tile`` (its edge cells reflected)."""
        grid = (-(-image.shape[-2] // stride), -(-image.shape[-1] // stride))
        padding = (0, grid[1] * stride - image.shape[-1], 0, grid[0] * stride - image.shape[-2])
        return run_tiled(encode, F.pad(image, padding, mode="reflect"), grid, tile_cells, stride, 1)

    features = encode_whole(picture)

    def statistics_of(style: torch.Tensor) -> Statistics:
        read = resize(style, settings.style_size(output, (style.shape[-2], style.shape[-1])))
        sorted_values = settings.transform == "histogram"  # only histogram matching reads them
        key = (hashlib.sha1(read.detach().cpu().numpy().tobytes()).hexdigest(), sorted_values, autocast, settings.tile)
        return STYLE_STATISTICS.get(encoder, key, lambda: Statistics.of(positions(encode_whole(read)), sorted_values))

    style_statistics = [statistics_of(style) for style in styles]
    weights = settings.style_blend or (1.0,) * len(styles)
    vectors = positions(features)
    mapped = vectors.clone()
    for region in style_regions(len(styles), masks, weights, output):
        target = blend([style_statistics[i] for i in region.styles], region.blend)
        chosen = torch.ones(vectors.shape[0], dtype=torch.bool, device=device)
        if region.mask is not None:
            padded_mask = F.pad(
                region.mask, (0, cells[1] * stride - output[1], 0, cells[0] * stride - output[0]), mode="replicate"
            )
            chosen = F.interpolate(padded_mask, size=cells, mode="area").reshape(-1) >= 0.5
        mapped[chosen] = transform(vectors[chosen], target, settings.transform)
    mixed = settings.strength * mapped + (1 - settings.strength) * vectors
    stylised_features = mixed.t().reshape(features.shape)
    image = run_tiled(decode, stylised_features, cells, tile_cells, 1, stride)[..., : output[0], : output[1]]
    if settings.detail:
        quarter = (max(1, output[0] // DETAIL_SHRINK), max(1, output[1] // DETAIL_SHRINK))
        image = image + settings.detail * high_frequencies(picture, quarter)
    image = image.clamp(0, 1)
    if settings.preserve_colors == "luminance":
        yiq = color.rgb_to_yiq(picture)
        yiq[:, :1] = color.rgb_to_yiq(image)[:, :1]
        image = color.yiq_to_rgb(yiq).clamp(0, 1)
    if callback is not None:
        callback(LevelProgress(0, 1, output, 1, 1, {}, 0.0, lambda: image))
    return image


def run(images: Mapping[str, Any], settings: FastSettings, context: RunContext) -> torch.Tensor:
    """The job entry point (``jobs.technique``): ``images`` by role, loaded."""
    masks = {int(k): mask.mean(dim=1, keepdim=True) for k, mask in (images.get("masks") or {}).items()}
    encoder = context.vgg19(FAST_POOLING, "zeros") if context.vgg19 is not None else None
    return paint(
        images["content"], list(images["styles"]), settings, masks=masks, encoder=encoder, callback=context.callback
    )
