"""``brushwork texture``: a texture with a painting's statistics, of any size, optionally tileable."""

from __future__ import annotations

import argparse
from typing import Any

from ..jobs import Job
from ..settings.texture import TextureSettings
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
        "texture",
        help="synthesise a texture from a painting (Gram matrices only, from noise)",
        description="Gatys texture synthesis on VGG19, coarse to fine. --tileable makes a seamless tile.",
    )
    p.add_argument("style", metavar="IMAGE", help="the painting or texture photo to take the statistics from")
    add_settings_source_options(p, TextureSettings())
    add_intermediate_options(p)
    add_run_options(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    job = Job("texture", settings_from_args(args, TextureSettings()), {"style": args.style})
    check_output(args, job)
    return run_job_and_save(job, args)
