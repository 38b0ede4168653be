"""``brushwork invert``: reconstruct a photo from single layers' features, as a contact sheet."""

from __future__ import annotations

import argparse
from typing import Any

from ..jobs import Job
from ..settings.invert import InversionSettings
from .common import add_run_options, add_settings_source_options, check_output, run_job_and_save, settings_from_args


def register(commands: Any) -> None:
    p = commands.add_parser(
        "invert",
        help="reconstruct a photo from one layer's features (a sheet over several layers)",
        description="Feature inversion (Mahendran & Vedaldi 2015) on VGG19 with α-norm and total-variation priors. "
        "Writes a contact sheet: the photo, then one reconstruction per layer.",
    )
    p.add_argument("image", metavar="IMAGE", help="the photo to reconstruct")
    add_settings_source_options(p, InversionSettings())
    add_run_options(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    job = Job("invert", settings_from_args(args, InversionSettings()), {"image": args.image})
    check_output(args, job)
    return run_job_and_save(job, args)
