"""``brushwork texture``: a texture with a painting's statistics, of any size, optionally tileable."""

from __future__ import annotations

from ..image.io import check_output_path, load_image
from ..techniques.texture import TextureSettings, synthesize
from ..encoders.precision import PRECISIONS
from .common import (
    add_intermediate_options,
    add_run_options,
    default_help,
    finite_float,
    image_size,
    intermediate_saver,
    nonnegative_float,
    nonnegative_int,
    positive_int,
    run_and_save,
    settings_changes,
)

DEFAULTS = TextureSettings()


def register(commands) -> None:
    p = commands.add_parser(
        "texture",
        help="synthesise a texture from a painting (Gram matrices only, from noise)",
        description="Gatys texture synthesis on VGG19, coarse to fine. --tileable makes a seamless tile.",
    )
    p.add_argument("style", metavar="IMAGE", help="the painting or texture photo to take the statistics from")
    p.add_argument("--size", type=image_size, metavar="WxH",
                   help="output size, e.g. 512x512 or 512 (default: %dx%d)" % DEFAULTS.size[::-1])
    p.add_argument("--tileable", action="store_true", help="make a texture that repeats seamlessly")
    p.add_argument("--style-size", type=positive_int, help=default_help(DEFAULTS, "style_size",
                   "long edge the source is resized to; sets the scale of the texture's elements"))
    p.add_argument("--style-layers", nargs="+", metavar="LAYER", help=default_help(DEFAULTS, "style_layers"))
    p.add_argument("--style-layer-weights", type=nonnegative_float, nargs="+", metavar="W",
                   help="one per style layer (default: 1e3/N²)")
    p.add_argument("--tv-weight", type=nonnegative_float, help=default_help(DEFAULTS, "tv_weight"))
    p.add_argument("--pooling", choices=("max", "avg"), help=default_help(DEFAULTS, "pooling"))
    p.add_argument("--optimizer", choices=("lbfgs", "adam"), help=default_help(DEFAULTS, "optimizer"))
    p.add_argument("--lr", type=finite_float, help="learning rate (default: the optimizer's own)")
    p.add_argument("--scales", type=finite_float, nargs="+", metavar="S", help=default_help(DEFAULTS, "scales"))
    p.add_argument("--iterations", type=nonnegative_int, nargs="+", metavar="N",
                   help=default_help(DEFAULTS, "iterations", "iterations per scale"))
    p.add_argument("--precision", choices=PRECISIONS, help=default_help(DEFAULTS, "precision"))
    p.add_argument("--seed", type=int, help=default_help(DEFAULTS, "seed"))
    add_intermediate_options(p)
    add_run_options(p)
    p.set_defaults(run=run)


def run(args) -> int:
    check_output_path(args.output, args.overwrite)
    changes = settings_changes(
        args, ("size", "style_size", "tv_weight", "pooling", "optimizer", "lr", "precision", "seed"),
        ("style_layers", "style_layer_weights", "scales", "iterations"),
    )
    settings = DEFAULTS.replace(tileable=args.tileable, **changes)
    settings.validate()
    style = load_image(args.style)
    saver = intermediate_saver(args)
    return run_and_save(lambda callback: synthesize(style, settings, callback=callback), args,
                        on_iteration=saver.on_iteration)
