"""``brushwork fast``: a painting in one pass (the fast tier). Options come from ``FastSettings``."""

from __future__ import annotations

import argparse
from typing import Any

from ..jobs import Job
from ..settings.fast import PRESETS
from .common import add_run_options, add_settings_source_options, check_output, run_job_and_save, settings_from_args
from .transfer import add_painting_inputs, painting_inputs


def register(commands: Any) -> None:
    p = commands.add_parser(
        "fast",
        help="paint a photo in the style of one or more paintings in one pass (about a second)",
        description="The fast tier: VGG19's features of the photo take the painting's distribution, and a "
        "decoder trained on photos paints them back. No optimisation: a draft in about one network pass.",
    )
    add_painting_inputs(p)
    add_settings_source_options(p, PRESETS["default"])
    add_run_options(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    job = Job("fast", settings_from_args(args, PRESETS["default"]), painting_inputs(args))
    check_output(args, job)
    return run_job_and_save(job, args)
