"""``brushwork batch``: many photos × many styles, on local processes or a Dask cluster (``brushwork.batch``)."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import BrushworkError
from ..files import held_folder, make_folder
from ..jobs.technique import TECHNIQUES
from ..settings.fast import PRESETS as FAST_PRESETS
from ..settings.fast import FastSettings
from ..settings.transfer import PRESETS, TransferSettings
from ..signals import exit_code
from .bars import Bar
from .common import add_run_options, add_settings_source_options, positive_int, settings_from_args
from .options import add_settings_options

if TYPE_CHECKING:
    from ..batch.driver import Tally
    from ..batch.plan import BatchSettings

# Processes rather than threads: torch's second thread adds little at these sizes, a second process nearly
# doubles the work in flight (docs/decisions.md, "Batch"). Memory is shared out between them.
DEFAULT_WORKERS = 2
EXIT_SOME_FAILED = 1
BATCH_METHODS = ("transfer", "fast")
_TRANSFER_FIELDS = {field.name for field in dataclasses.fields(TransferSettings)}
_FAST_FIELDS = {field.name for field in dataclasses.fields(FastSettings)}
# The options only the other method has: given with this one, they are refused rather than ignored.
FOREIGN_OPTIONS = {"transfer": _FAST_FIELDS - _TRANSFER_FIELDS, "fast": _TRANSFER_FIELDS - _FAST_FIELDS}


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
    p.add_argument(
        "--format", default="png", help="output format: png (settings inside), jpg, webp, tif (with a .json sidecar)"
    )
    p.add_argument("--resume", action="store_true", help="go on with a batch in OUTPUT: only what is missing")
    p.add_argument(
        "--workers", type=positive_int, default=DEFAULT_WORKERS, help=f"local processes (default: {DEFAULT_WORKERS})"
    )
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
    add_run_options(
        p,
        output="output folder (mirrors the inputs' folders)",
        overwrite="replace files in the way that these jobs did not make, and the results",
        threads="torch threads per worker (default: the cores shared out)",
        quiet="no progress bar and no summary",
        device=None,
    )
    p.add_argument(
        "--devices",
        nargs="+",
        metavar="DEVICE",
        help="where the workers paint, dealt out in turn: e.g. --devices cuda:0 cuda:1 with --workers 4 puts two "
        "on each card, sharing its memory (default: $BRUSHWORK_DEVICE, else auto; with --cluster, each worker's own)",
    )
    p.add_argument(
        "--method",
        choices=BATCH_METHODS,
        default="transfer",
        help="transfer: each picture painted by optimisation (the default); fast: the fast tier's one pass, "
        "dozens of times as many images an hour (its own settings below)",
    )
    add_settings_source_options(p, PRESETS["default"], PRESETS)
    add_settings_options(
        p, FAST_PRESETS["default"], skip=_TRANSFER_FIELDS, title="fast settings (with --method fast, and those above)"
    )
    p.set_defaults(run=run)


def batch_settings(args: argparse.Namespace) -> BatchSettings:
    """The settings of ``--method``'s technique: its preset, ``--settings FILE``, then the options typed;
    an option of the other technique is refused in one line."""
    technique = TECHNIQUES[args.method]
    if args.preset not in technique.presets:
        raise BrushworkError(f"--preset {args.preset}: {args.method} has the presets {', '.join(technique.presets)}")
    other = sorted(name for name in vars(args) if name in FOREIGN_OPTIONS[args.method])
    if other:
        raise BrushworkError(f"--{other[0].replace('_', '-')} is not a {args.method} setting (--method {args.method})")
    base = technique.presets[args.preset]
    assert isinstance(base, (TransferSettings, FastSettings))
    return settings_from_args(args, base)


def run(args: argparse.Namespace) -> int:
    settings = batch_settings(args)
    output = make_folder(args.output)
    with held_folder(output, "batch"):
        return _run_held(args, settings, output)


def _run_held(args: argparse.Namespace, settings: BatchSettings, output: Path) -> int:
    from ..batch.build import BatchRequest, build
    from ..batch.driver import run_batch
    from ..batch.results import RESULTS_NAME, ResultsFile

    results = ResultsFile(output / RESULTS_NAME)
    if results.path.exists() and not (args.resume or args.overwrite):
        raise BrushworkError(
            f"{output} holds an earlier batch ({RESULTS_NAME}); pass --resume to finish it, or --overwrite"
        )
    suffix = "." + args.format.lower().lstrip(".")
    plan = build(BatchRequest(args.inputs, args.styles, output, settings, args.pairs, suffix, args.overwrite))
    backend = _backend(args)
    progress = None if args.quiet else JobsBar()
    tally = run_batch(plan.tasks, plan.early_rows, backend, results, args.resume, progress)
    if not args.quiet or tally.stopped_by is not None:
        print(summary(tally, results.path, backend.describe()), file=sys.stderr)
    if tally.stopped_by is not None:
        return exit_code(tally.stopped_by)
    return EXIT_SOME_FAILED if tally.counts["failed"] else 0


class JobsBar(Bar):
    """One bar over the jobs (``BatchProgress``): done, failed, skipped, left, images per hour; its ETA from the
    rate so far."""

    def start(self, tally: Tally) -> None:
        self.open(total=tally.jobs, initial=_ended(tally), desc="batch", unit="img", leave=True, file=sys.stderr)
        self._show(tally, advance=False)

    def update(self, tally: Tally) -> None:
        self._show(tally, advance=True)

    def _show(self, tally: Tally, advance: bool) -> None:
        if self.bar is None:
            return
        counts = tally.counts
        self.bar.set_postfix(
            {
                "done": counts["finished"],
                "failed": counts["failed"],
                "skipped": counts["skipped"],
                "left": tally.jobs - _ended(tally),
                "img/h": f"{tally.images_per_hour():.0f}",
            },
            refresh=not advance,
        )
        if advance:
            self.bar.update(_ended(tally) - self.bar.n)


def _ended(tally: Tally) -> int:
    return sum(tally.counts[s] for s in ("finished", "skipped", "failed", "ignored"))


def summary(tally: Tally, results: Path, backend: str) -> str:
    """The table printed at the end of a batch."""
    counts = tally.counts
    minutes, seconds = divmod(int(tally.elapsed), 60)
    lines = [
        f"batch on {backend}: {tally.jobs} jobs in {minutes} min {seconds:02d} s",
        f"  finished  {counts['finished']:>6}",
        f"  skipped   {counts['skipped']:>6}   (already made)",
        f"  failed    {counts['failed']:>6}",
    ]
    if counts["ignored"]:
        lines.append(f"  ignored   {counts['ignored']:>6}   (not images by their names)")
    if counts["pending"] + counts["interrupted"]:
        not_run = counts["pending"] + counts["interrupted"]
        lines.append(f"  not run   {not_run:>6}   (stopped: run the same command with --resume)")
    if counts["finished"]:
        lines.append(
            f"  {tally.images_per_hour():.1f} images per hour; "
            f"{tally.compute_seconds / counts['finished']:.1f} s of compute per image"
        )
    for row in tally.failed[:10]:
        styles = " + ".join(Path(s).name for s in row.get("styles", []))
        what = f"{row.get('content', '')} × {styles}" if styles else str(row.get("content", ""))
        lines.append(f"  {row['status']}: {what}: {row.get('error', '')}")
    if len(tally.failed) > 10:
        lines.append(f"  ... and {len(tally.failed) - 10} more failures")
    lines.append(f"results: {results}")
    return "\n".join(lines)


def _backend(args: argparse.Namespace) -> Any:
    if args.cluster:
        try:
            from ..batch.cluster import DaskCluster
        except ImportError as exc:
            raise BrushworkError(
                f"--cluster needs the cluster extra ({exc.name} is missing): pip install 'brushwork[cluster]'"
            ) from None
        return DaskCluster.connect(args.cluster, args.connect_timeout, args.threads, args.devices)
    from ..batch.local import LocalPool
    from ..encoders.devices import chosen_device

    for name in args.devices or [None]:
        chosen_device(name)  # one line now for a device that is not here, rather than a failed row per task
    return LocalPool(args.workers, args.threads, devices=args.devices)
