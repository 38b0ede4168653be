"""``brushwork dream``: DeepDream on a photo, octave by octave."""

from __future__ import annotations

from ..encoders import NETWORKS
from ..image.io import check_output_path, load_image
from ..techniques.dream import DEFAULT_LAYERS, DreamSettings, dream
from ..encoders.precision import PRECISIONS
from .common import (
    add_intermediate_options,
    add_run_options,
    channel_list,
    default_help,
    finite_float,
    intermediate_saver,
    nonnegative_int,
    positive_int,
    run_and_save,
    settings_changes,
)

DEFAULTS = DreamSettings()


def register(commands) -> None:
    p = commands.add_parser(
        "dream",
        help="DeepDream: amplify what a layer sees in a photo",
        description="DeepDream with octaves, jitter and normalised gradient steps. VGG19 by default; "
        "EfficientNet-Lite0 with --network. (The original's GoogLeNet weights are not available offline.)",
    )
    p.add_argument("image", metavar="IMAGE", help="the photo to dream on")
    p.add_argument("--network", choices=NETWORKS, help=default_help(DEFAULTS, "network"))
    p.add_argument("--layer", help="layer to amplify (default: %s)" % ", ".join(f"{v} on {k}" for k, v in DEFAULT_LAYERS.items()))
    p.add_argument("--channels", type=channel_list, metavar="LIST", help="only these channels, e.g. 0-15,20 (default: all)")
    p.add_argument("--guide", metavar="IMAGE", help="amplify what matches this image's features instead")
    p.add_argument("--size", type=positive_int, help="long edge of the output (default: the photo's size)")
    p.add_argument("--max-size", type=positive_int, help=default_help(DEFAULTS, "max_size"))
    p.add_argument("--octaves", type=positive_int, help=default_help(DEFAULTS, "octaves"))
    p.add_argument("--octave-scale", type=finite_float, help=default_help(DEFAULTS, "octave_scale"))
    p.add_argument("--iterations", type=nonnegative_int, help=default_help(DEFAULTS, "iterations", "per octave"))
    p.add_argument("--step", type=finite_float, help=default_help(DEFAULTS, "step", "step size in 0-255 pixel units"))
    p.add_argument("--jitter", type=nonnegative_int, help=default_help(DEFAULTS, "jitter", "random shift in pixels"))
    p.add_argument("--pooling", choices=("max", "avg"), help=default_help(DEFAULTS, "pooling", "VGG19 only"))
    p.add_argument("--precision", choices=PRECISIONS, help=default_help(DEFAULTS, "precision"))
    p.add_argument("--seed", type=int, help=default_help(DEFAULTS, "seed"))
    add_intermediate_options(p)
    add_run_options(p)
    p.set_defaults(run=run)


def run(args) -> int:
    check_output_path(args.output, args.overwrite)
    changes = settings_changes(
        args, ("network", "layer", "size", "max_size", "octaves", "octave_scale", "iterations", "step", "jitter",
               "pooling", "precision", "seed"), ("channels",),
    )
    settings = DEFAULTS.replace(**changes)
    photo = load_image(args.image)
    settings.validate(tuple(photo.shape[-2:]))
    guide = load_image(args.guide) if args.guide else None
    saver = intermediate_saver(args)
    return run_and_save(lambda callback: dream(photo, settings, guide=guide, callback=callback), args,
                        kind="octave", on_iteration=saver.on_iteration)
