"""``brushwork dream``: DeepDream on a photo, octave by octave."""

from __future__ import annotations

import argparse
from typing import Any

from ..jobs import Job
from ..settings.dream import DreamSettings
from .common import (
    add_intermediate_options,
    add_run_options,
    add_settings_source_options,
    check_output,
    run_job_and_save,
    settings_from_args,
)


def register(commands: Any) -> None:
    p = commands.add_parser(
        "dream",
        help="DeepDream: amplify what a layer sees in a photo",
        description="DeepDream with octaves, jitter and normalised gradient steps. VGG19 by default; "
        "EfficientNet-Lite0 with --network. (The original's GoogLeNet weights are not available offline.)",
    )
    p.add_argument("image", metavar="IMAGE", help="the photo to dream on")
    p.add_argument("--guide", metavar="IMAGE", help="amplify what matches this image's features instead")
    add_settings_source_options(p, DreamSettings())
    add_intermediate_options(p)
    add_run_options(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    inputs = {"image": args.image, **({"guide": args.guide} if args.guide else {})}
    job = Job("dream", settings_from_args(args, DreamSettings()), inputs)
    check_output(args, job)
    return run_job_and_save(job, args)
