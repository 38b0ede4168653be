"""``brushwork invert``: reconstruct a photo from single layers' features, as a contact sheet."""

from __future__ import annotations

from ..image.io import check_output_path, load_image
from ..image.pyramid import fit_long_edge, resize
from ..image.sheet import captioned_sheet
from ..techniques.invert import InversionSettings, invert
from ..encoders.precision import PRECISIONS
from .common import (
    add_run_options,
    default_help,
    finite_float,
    nonnegative_float,
    nonnegative_int,
    positive_int,
    run_and_save,
    settings_changes,
)

DEFAULTS = InversionSettings()


def register(commands) -> None:
    p = commands.add_parser(
        "invert",
        help="reconstruct a photo from one layer's features (a sheet over several layers)",
        description="Feature inversion (Mahendran & Vedaldi 2015) on VGG19 with α-norm and total-variation priors. "
        "Writes a contact sheet: the photo, then one reconstruction per layer.",
    )
    p.add_argument("image", metavar="IMAGE", help="the photo to reconstruct")
    p.add_argument("--layers", nargs="+", metavar="LAYER", help=default_help(DEFAULTS, "layers"))
    p.add_argument("--size", type=positive_int, help=default_help(DEFAULTS, "size", "long edge in pixels"))
    p.add_argument("--iterations", type=nonnegative_int, help=default_help(DEFAULTS, "iterations", "per layer"))
    p.add_argument("--alpha", type=finite_float, help=default_help(DEFAULTS, "alpha", "α of the α-norm prior"))
    p.add_argument("--alpha-weight", type=nonnegative_float, help=default_help(DEFAULTS, "alpha_weight"))
    p.add_argument("--tv-exponent", type=finite_float, help=default_help(DEFAULTS, "tv_exponent", "β of the TV prior"))
    p.add_argument("--tv-weight", type=nonnegative_float, help=default_help(DEFAULTS, "tv_weight"))
    p.add_argument("--pooling", choices=("max", "avg"), help=default_help(DEFAULTS, "pooling"))
    p.add_argument("--optimizer", choices=("lbfgs", "adam"), help=default_help(DEFAULTS, "optimizer"))
    p.add_argument("--lr", type=finite_float, help="learning rate (default: the optimizer's own)")
    p.add_argument("--precision", choices=PRECISIONS, help=default_help(DEFAULTS, "precision"))
    p.add_argument("--seed", type=int, help=default_help(DEFAULTS, "seed"))
    add_run_options(p)
    p.set_defaults(run=run)


def run(args) -> int:
    check_output_path(args.output, args.overwrite)
    changes = settings_changes(
        args, ("size", "iterations", "alpha", "alpha_weight", "tv_exponent", "tv_weight", "pooling", "optimizer", "lr",
               "precision", "seed"), ("layers",),
    )
    settings = DEFAULTS.replace(**changes)
    settings.validate()
    photo = load_image(args.image)
    original = resize(photo, fit_long_edge(*photo.shape[-2:], settings.size))

    def sheet(reconstructions):
        panels = [("original", original)]
        panels += [(f"from {layer}", image) for layer, image in zip(settings.layers, reconstructions)]
        return captioned_sheet(panels, columns=min(len(panels), 3))

    return run_and_save(lambda callback: invert(photo, settings, callback=callback), args, picture=sheet, kind="layer")
