"""``brushwork transfer``: style transfer from the command line. Defaults come from the engine's presets."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import torch

from ..encoders.precision import PRECISIONS
from ..errors import BrushworkError
from ..image.io import check_output_path, load_image
from ..techniques.transfer import INITS, PRESERVE_COLORS, PRESETS, TransferSettings, stylize
from .common import (
    add_intermediate_options,
    add_run_options,
    default_help,
    finite_float,
    intermediate_saver,
    nonnegative_float,
    nonnegative_int,
    positive_int,
    run_and_save,
    settings_changes,
)

DEMO_CONTENT = "chelsea.png"
DEMO_STYLE = "starry_night.jpg"


def demo_image(name: str) -> Path:
    return Path(str(resources.files("brushwork") / "assets" / name))


def _default(field: str) -> str:
    return default_help(PRESETS["default"], field).replace("(default:", "(default preset:")


def register(commands) -> None:
    p = commands.add_parser(
        "transfer",
        help="paint a photo in the style of one or more paintings",
        description="Gatys neural style transfer on VGG19, coarse to fine. "
        "Every option left out takes its value from --preset.",
    )
    p.add_argument("images", nargs="*", metavar="IMAGE", help="content image, then one or more style images")
    p.add_argument("--demo", action="store_true", help="use the bundled demo photo and The Starry Night")
    p.add_argument("--preset", choices=sorted(PRESETS), default="default", help="settings to start from")
    p.add_argument("--size", type=positive_int, help=f"long edge of the output in pixels {_default('size')}")
    p.add_argument("--max-size", type=positive_int, help=f"refuse sizes above this {_default('max_size')}")
    p.add_argument("--style-blend", type=nonnegative_float, nargs="+", metavar="W", help="blend weight per style")
    p.add_argument("--style-scale", type=finite_float, help=f"style size relative to output {_default('style_scale')}")
    p.add_argument("--preserve-colors", choices=PRESERVE_COLORS, help=f"keep the photo's colours {_default('preserve_colors')}")
    p.add_argument(
        "--mask", action="append", default=[], metavar="STYLE_INDEX:MASK",
        help="give the region where MASK is white to style STYLE_INDEX (0-based) alone; repeatable",
    )
    p.add_argument("--content-layer", help=f"{_default('content_layer')}")
    p.add_argument("--style-layers", nargs="+", metavar="LAYER", help=f"{_default('style_layers')}")
    p.add_argument("--style-layer-weights", type=finite_float, nargs="+", metavar="W", help="one per style layer (default: 1e3/N²)")
    p.add_argument("--content-weight", type=finite_float, help=f"{_default('content_weight')}")
    p.add_argument("--style-weight", type=finite_float, help=f"{_default('style_weight')}")
    p.add_argument("--tv-weight", type=finite_float, help=f"{_default('tv_weight')}")
    p.add_argument("--pooling", choices=("max", "avg"), help=f"{_default('pooling')}")
    p.add_argument("--init", metavar="content|noise|IMAGE", help=f"starting image {_default('init')}")
    p.add_argument("--optimizer", choices=("lbfgs", "adam"), help=f"{_default('optimizer')}")
    p.add_argument("--lr", type=finite_float, help="learning rate (default: the optimizer's own)")
    p.add_argument("--scales", type=finite_float, nargs="+", metavar="S", help=f"coarse-to-fine sizes as fractions {_default('scales')}")
    p.add_argument("--iterations", type=nonnegative_int, nargs="+", metavar="N", help=f"iterations per scale {_default('iterations')}")
    p.add_argument(
        "--detail-depth", metavar="LAYER|none",
        help="the last of several scales runs the network only to this layer, matching the style layers above it "
        f"(much faster at full size); none: every layer at every scale {_default('detail_depth')}",
    )
    p.add_argument("--precision", choices=PRECISIONS, help=f"network precision {_default('precision')}")
    p.add_argument("--seed", type=int, help=f"{_default('seed')}")
    add_intermediate_options(p)
    add_run_options(p)
    p.set_defaults(run=run)


def _parse_masks(specs: list[str], n_styles: int) -> dict[int, torch.Tensor]:
    masks = {}
    for spec in specs:
        index, sep, path = spec.partition(":")
        if not sep or not index.strip().isdigit() or not path:
            raise BrushworkError(f"--mask {spec!r}: expected STYLE_INDEX:MASK_IMAGE, e.g. 0:sky.png")
        index = int(index)
        if index >= n_styles:
            raise BrushworkError(f"--mask {spec!r}: style index {index} out of range (0..{n_styles - 1})")
        if index in masks:
            raise BrushworkError(f"--mask: style index {index} given twice")
        masks[index] = load_image(path).mean(dim=1, keepdim=True)  # grey level = weight
    return masks


OPTION_FIELDS = (
    "size", "max_size", "style_scale", "preserve_colors", "content_layer", "content_weight", "style_weight",
    "tv_weight", "pooling", "optimizer", "lr", "precision", "seed",
)
TUPLE_FIELDS = ("style_blend", "style_layers", "style_layer_weights", "scales", "iterations")


def settings_from_args(args) -> TransferSettings:
    changes = settings_changes(args, OPTION_FIELDS, TUPLE_FIELDS)
    if args.style_layers is not None and args.style_layer_weights is None:
        changes["style_layer_weights"] = None
    if args.init in INITS:
        changes["init"] = args.init
    if args.detail_depth is not None:
        changes["detail_depth"] = None if args.detail_depth.lower() == "none" else args.detail_depth
    return PRESETS[args.preset].replace(**changes)


def run(args) -> int:
    if args.demo:
        if args.images:
            raise BrushworkError("--demo uses the bundled images; give no IMAGE arguments with it")
        args.images = [demo_image(DEMO_CONTENT), demo_image(DEMO_STYLE)]
    if len(args.images) < 2:
        raise BrushworkError("give a content image and at least one style image (or --demo)")
    check_output_path(args.output, args.overwrite)
    settings = settings_from_args(args)
    settings.validate(len(args.images) - 1)
    content = load_image(args.images[0])
    styles = [load_image(path) for path in args.images[1:]]
    masks = _parse_masks(args.mask, len(styles))
    init_image = load_image(args.init) if args.init and args.init not in INITS else None
    saver = intermediate_saver(args)
    return run_and_save(
        lambda callback: stylize(content, styles, settings, masks=masks, init_image=init_image, callback=callback),
        args,
        on_iteration=saver.on_iteration,
    )
