"""``brushwork batch``: many photos × many styles, on local processes or a Dask cluster (``brushwork.batch``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ..errors import BrushworkError
from ..files import held_folder, make_folder
from ..settings.transfer import PRESETS, TransferSettings
from ..signals import exit_code
from .common import add_settings_source_options, positive_int, settings_from_args

# Measured by bench/batch.py on a 2-core CPU (8 jobs at 256 px): two one-thread processes painted 353
# images per hour after start-up, one process with two threads 280 (torch's second thread adds little
# at these sizes, a second process nearly doubles the work in flight). Memory is shared out between them.
DEFAULT_WORKERS = 2
EXIT_SOME_FAILED = 1


def register(commands: Any) -> None:
    p = commands.add_parser(
        "batch",
        help="paint many photos in many styles, on this machine's cores or a Dask cluster",
        description="Style transfer for every photo × style (or as paired), resumable: a job whose output "
        "exists with the same settings is skipped. Writes OUTPUT/results.jsonl, one row per job. "
        "Every setting left out takes its value from --preset (or --settings FILE); a manifest row may "
        "override them. Exit code 0: every job has its picture; 1: some failed (listed at the end).",
    )
    p.add_argument(
        "inputs",
        nargs="+",
        metavar="INPUT",
        help="photos: folders (searched recursively), globs or files; or one manifest (.csv or .jsonl) "
        "whose rows name content, style(s) and optional settings",
    )
    p.add_argument("--styles", nargs="+", default=[], metavar="STYLE", help="paintings: folders, globs or files")
    p.add_argument(
        "--pairs",
        default="all",
        metavar="all|zip|random:K",
        help="every photo with every style (all, the default), the i-th with the i-th (zip), or K styles "
        "per photo drawn with --seed (random:K)",
    )
    p.add_argument("-o", "--output", required=True, type=Path, help="output folder (mirrors the inputs' folders)")
    p.add_argument(
        "--format", default="png", help="output format: png (settings inside), jpg, webp, tif (with a .json sidecar)"
    )
    p.add_argument("--resume", action="store_true", help="go on with a batch in OUTPUT: only what is missing")
    p.add_argument(
        "--overwrite",
        action="store_true",
        help="replace files in the way that these jobs did not make, and the results",
    )
    p.add_argument(
        "--workers", type=positive_int, default=DEFAULT_WORKERS, help=f"local processes (default: {DEFAULT_WORKERS})"
    )
    p.add_argument("--threads", type=positive_int, help="torch threads per worker (default: the cores shared out)")
    p.add_argument(
        "--cluster", metavar="ADDRESS", help="a Dask scheduler, e.g. tcp://10.0.0.5:8786 (pip extra: cluster)"
    )
    p.add_argument(
        "--connect-timeout",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="how long to try to reach --cluster (default: 10)",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar and no summary")
    add_settings_source_options(p, PRESETS["default"], PRESETS)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    settings = settings_from_args(args, PRESETS[args.preset])
    output = make_folder(args.output)
    with held_folder(output, "batch"):
        return _run_held(args, settings, output)


def _run_held(args: argparse.Namespace, settings: TransferSettings, output: Path) -> int:
    from ..batch.build import BatchRequest, build
    from ..batch.driver import run_batch, summary
    from ..batch.results import RESULTS_NAME, ResultsFile

    results = ResultsFile(output / RESULTS_NAME)
    if results.path.exists() and not (args.resume or args.overwrite):
        raise BrushworkError(
            f"{output} holds an earlier batch ({RESULTS_NAME}); pass --resume to finish it, or --overwrite"
        )
    suffix = "." + args.format.lower().lstrip(".")
    plan = build(BatchRequest(args.inputs, args.styles, output, settings, args.pairs, suffix, args.overwrite))
    backend = _backend(args)
    tally = run_batch(plan.tasks, plan.early_rows, backend, results, args.resume, show_progress=not args.quiet)
    if not args.quiet or tally.stopped_by is not None:
        print(summary(tally, results.path, backend.describe()), file=sys.stderr)
    if tally.stopped_by is not None:
        return exit_code(tally.stopped_by)
    return EXIT_SOME_FAILED if tally.counts["failed"] else 0


def _backend(args: argparse.Namespace) -> Any:
    if args.cluster:
        try:
            from ..batch.cluster import DaskCluster
        except ImportError as exc:
            raise BrushworkError(
                f"--cluster needs the cluster extra ({exc.name} is missing): pip install 'brushwork[cluster]'"
            ) from None
        return DaskCluster.connect(args.cluster, args.connect_timeout, args.threads)
    from ..batch.local import LocalPool

    return LocalPool(args.workers, args.threads)
