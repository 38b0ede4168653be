"""``brushwork transfer``: style transfer from the command line. Options come from ``TransferSettings``."""

from __future__ import annotations

import argparse
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import BrushworkError
from ..jobs import Job
from ..settings.transfer import INITS, PRESETS
from .common import (
    add_intermediate_options,
    add_run_options,
    add_settings_source_options,
    check_output,
    run_job_and_save,
    settings_from_args,
)

DEMO_CONTENT = "chelsea.png"
DEMO_STYLE = "starry_night.jpg"


def demo_image(name: str) -> Path:
    return Path(str(resources.files("brushwork") / "assets" / name))


def register(commands: Any) -> None:
    p = commands.add_parser(
        "transfer",
        help="paint a photo in the style of one or more paintings",
        description="Gatys neural style transfer on VGG19, coarse to fine. "
        "Every option left out takes its value from --preset (or --settings FILE).",
    )
    add_painting_inputs(p)
    add_settings_source_options(p, PRESETS["default"], PRESETS)
    add_intermediate_options(p)
    add_run_options(p)
    p.set_defaults(run=run)


def add_painting_inputs(p: argparse.ArgumentParser) -> None:
    """A photo and its paintings, --demo for the bundled pair, and --mask: transfer's and fast's inputs."""
    p.add_argument("images", nargs="*", metavar="IMAGE", help="content image, then one or more style images")
    p.add_argument("--demo", action="store_true", help="use the bundled demo photo and The Starry Night")
    p.add_argument(
        "--mask",
        action="append",
        default=[],
        metavar="STYLE_INDEX:MASK",
        help="give the region where MASK is white to style STYLE_INDEX (0-based) alone; repeatable",
    )


def painting_inputs(args: argparse.Namespace) -> dict[str, Any]:
    """The job's inputs from ``add_painting_inputs``' options: content, styles and masks."""
    images = list(args.images)
    if args.demo:
        if images:
            raise BrushworkError("--demo uses the bundled images; give no IMAGE arguments with it")
        images = [demo_image(DEMO_CONTENT), demo_image(DEMO_STYLE)]
    if len(images) < 2:
        raise BrushworkError("give a content image and at least one style image (or --demo)")
    inputs: dict[str, Any] = {"content": str(images[0]), "styles": [str(p) for p in images[1:]]}
    masks = parse_masks(args.mask)
    for index in masks:
        if index >= len(inputs["styles"]):
            raise BrushworkError(
                f"--mask '{index}:{masks[index]}': style index {index} out of range (0..{len(inputs['styles']) - 1})"
            )
    if masks:
        inputs["masks"] = masks
    return inputs


def parse_masks(specs: list[str]) -> dict[int, str]:
    masks: dict[int, str] = {}
    for spec in specs:
        index, sep, path = spec.partition(":")
        if not sep or not index.strip().isdigit() or not path:
            raise BrushworkError(f"--mask {spec!r}: expected STYLE_INDEX:MASK_IMAGE, e.g. 0:sky.png")
        if int(index) in masks:
            raise BrushworkError(f"--mask: style index {int(index)} given twice")
        masks[int(index)] = path
    return masks


def job_from_args(args: argparse.Namespace) -> Job:
    inputs = painting_inputs(args)
    init_image = None
    if getattr(args, "init", None) is not None and args.init not in INITS:
        init_image, args.init = args.init, "image"  # --init IMAGE
    settings = settings_from_args(args, PRESETS[args.preset])
    if init_image is not None:
        inputs["init"] = init_image
    return Job("transfer", settings, inputs)


def run(args: argparse.Namespace) -> int:
    job = job_from_args(args)
    check_output(args, job)
    return run_job_and_save(job, args)  # validates the job before any work
