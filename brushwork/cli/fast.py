"""``brushwork fast``: a painting in one pass (the fast tier). Options come from ``FastSettings``."""

from __future__ import annotations

import argparse
from typing import Any

from ..errors import BrushworkError
from ..jobs import Job
from ..settings.fast import PRESETS
from .common import add_run_options, add_settings_source_options, check_output, run_job_and_save, settings_from_args
from .transfer import DEMO_CONTENT, DEMO_STYLE, demo_image, parse_masks


def register(commands: Any) -> None:
    p = commands.add_parser(
        "fast",
        help="paint a photo in the style of one or more paintings in one pass (about a second)",
        description="The fast tier: VGG19's features of the photo take the painting's distribution, and a "
        "decoder trained on photos paints them back. No optimisation: a draft in about one network pass.",
    )
    p.add_argument("images", nargs="*", metavar="IMAGE", help="content image, then one or more style images")
    p.add_argument("--demo", action="store_true", help="use the bundled demo photo and The Starry Night")
    p.add_argument(
        "--mask",
        action="append",
        default=[],
        metavar="STYLE_INDEX:MASK",
        help="give the region where MASK is white to style STYLE_INDEX (0-based) alone; repeatable",
    )
    add_settings_source_options(p, PRESETS["default"])
    add_run_options(p)
    p.set_defaults(run=run)


def job_from_args(args: argparse.Namespace) -> Job:
    images = list(args.images)
    if args.demo:
        if images:
            raise BrushworkError("--demo uses the bundled images; give no IMAGE arguments with it")
        images = [demo_image(DEMO_CONTENT), demo_image(DEMO_STYLE)]
    if len(images) < 2:
        raise BrushworkError("give a content image and at least one style image (or --demo)")
    inputs: dict[str, Any] = {"content": str(images[0]), "styles": [str(p) for p in images[1:]]}
    masks = parse_masks(args.mask)
    if masks:
        inputs["masks"] = masks
    return Job("fast", settings_from_args(args, PRESETS["default"]), inputs)


def run(args: argparse.Namespace) -> int:
    job = job_from_args(args)
    check_output(args, job)
    return run_job_and_save(job, args)
