"""Pieces every subcommand shares: the options every run has, settings from presets, files and flags,
the progress bar, and saving (with Ctrl-C keeping the best so far).

Nothing here imports torch at module level: ``brushwork --help`` must start in well under a second.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from ..errors import BrushworkError
from ..settings.schema import Settings
from ..signals import describe, exit_code
from .bars import Bar
from .options import add_settings_options, settings_changes

if TYPE_CHECKING:
    import torch

    from ..jobs import Job
    from ..jobs.eta import Eta
    from ..jobs.runner import Picture
    from ..techniques.progress import LevelProgress, TileProgress

S = TypeVar("S", bound=Settings)


def _int_at_least(minimum: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be >= {minimum}: {text!r}")
        return value

    return parse


positive_int = _int_at_least(1)


def format_loss(value: float) -> str:
    return f"{value:.4g}"


def format_duration(seconds: float) -> str:
    """``1h02m``, ``3m07s``, ``42s``."""
    whole = int(seconds + 0.5)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"


class ProgressBar(Bar):
    """A tqdm bar per level of a run (scale, octave, layer), with the current loss terms and an ETA."""

    def __init__(self, enabled: bool = True, kind: str = "level", eta: Eta | None = None):
        super().__init__()
        self.enabled = enabled
        self.kind = kind
        self.level: int | None = None
        self.eta = eta  # the whole run's time left (tqdm's own ETA is the level's)
        self.postfix: dict[str, str] = {}

    def _show_level(self, level: int, levels: int, size: tuple[int, int], iterations: int) -> None:
        if self.level != level:
            height, width = size
            self.level = level
            self.postfix = {}
            self.open(
                total=iterations, desc=f"{self.kind} {level + 1}/{levels} {width}x{height}", unit="it", leave=True
            )

    def __call__(self, progress: LevelProgress) -> None:
        """Use the bar itself as a technique's callback."""
        if not self.enabled:
            return
        self._show_level(progress.level, progress.levels, progress.size, progress.iterations)
        postfix = {"total": format_loss(progress.total)}
        if len(progress.losses) > 1:
            postfix.update({k: format_loss(v) for k, v in progress.losses.items()})
        if self.eta is not None:
            self.eta.observe(progress.level, progress.seconds)
        postfix.update(self._all_levels_left(progress.level, progress.levels, progress.iteration))
        assert self.bar is not None
        self.postfix = postfix
        self.bar.set_postfix(postfix, refresh=False)
        self.bar.update(1)

    def tile(self, progress: TileProgress) -> None:
        """Within an iteration of a tiled level (seconds to minutes at a print size), the tiles done."""
        if not self.enabled:
            return
        self._show_level(progress.level, progress.levels, progress.size, progress.iterations)
        assert self.bar is not None
        tiles = {"tile": f"{progress.tile}/{progress.tiles}"} if progress.tile < progress.tiles else {}
        # The ETA moves within an iteration too: at 4096 px one takes most of a minute.
        within = self.bar.n + progress.tile / progress.tiles
        postfix = {**tiles, **self.postfix, **self._all_levels_left(progress.level, progress.levels, within)}
        self.bar.set_postfix(postfix, refresh=True)

    def _all_levels_left(self, level: int, levels: int, iteration: float) -> dict[str, str]:
        """The whole run's time left, as the bar shows it (nothing before a rate is known, or for one level)."""
        seconds_left = None if self.eta is None else self.eta.seconds_left(level, iteration)
        return {} if seconds_left is None or levels <= 1 else {"all levels left": format_duration(seconds_left)}


def add_run_options(
    parser: argparse.ArgumentParser,
    *,
    output: str | None = "output file (.png, .jpg, .webp, .tif)",
    output_required: bool = True,
    output_metavar: str | None = None,
    overwrite: str | None = "replace the output if it exists",
    threads: str = "CPU threads for torch (default: all cores)",
    quiet: str | None = "no progress bar",
    device: str | None = "where it runs",
) -> None:
    """Where a run writes and how it runs, declared once for every subcommand: ``-o/--output``,
    ``--overwrite``, ``--threads``, ``--device`` and ``--quiet``, each with its subcommand's own words
    (None: it has none). The device is not a setting: it never changes a result's settings record, a batch
    output's name or a resume key."""
    if output is not None:
        parser.add_argument("-o", "--output", required=output_required, type=Path, metavar=output_metavar, help=output)
    if overwrite is not None:
        parser.add_argument("--overwrite", action="store_true", help=overwrite)
    parser.add_argument("--threads", type=positive_int, help=threads)
    if device is not None:
        parser.add_argument(
            "--device",
            metavar="DEVICE",
            help=f"{device}: auto, cpu, cuda, cuda:N or mps (experimental); auto is CUDA, then MPS, then the CPU "
            "(default: $BRUSHWORK_DEVICE, else auto; `brushwork devices` lists them)",
        )
    if quiet is not None:
        parser.add_argument("--quiet", action="store_true", help=quiet)


def run_device(args: argparse.Namespace) -> torch.device:
    """The device a run goes on: ``--device``, else ``$BRUSHWORK_DEVICE``, else auto (one line, exit 2,
    where it is not there)."""
    from ..encoders.devices import chosen_device

    return chosen_device(getattr(args, "device", None))


def add_settings_source_options(
    parser: argparse.ArgumentParser, defaults: Settings, presets: Mapping[str, Settings] | None = None
) -> None:
    """--preset (if there are several), --settings FILE, then one option per setting."""
    if presets is not None and len(presets) > 1:
        parser.add_argument(
            "--preset", choices=sorted(presets), default="default", help="settings to start from (default: default)"
        )
    parser.add_argument(
        "--settings",
        type=Path,
        metavar="FILE",
        help="start from the settings in FILE: a brushwork output (PNG, or an image's .json "
        "sidecar) or a JSON file; options given as well override it",
    )
    label = "default preset" if presets is not None and len(presets) > 1 else "default"
    add_settings_options(parser, defaults, label)


def settings_from_args(args: argparse.Namespace, base: S) -> S:
    """``base`` (a preset), then ``--settings FILE``, then the options the user typed."""
    from ..provenance import settings_from_file

    if getattr(args, "settings", None) is not None:
        base = settings_from_file(args.settings, base)
    return base.updated(settings_changes(args, type(base)))


def use_threads(args: argparse.Namespace) -> None:
    if getattr(args, "threads", None):
        import torch

        torch.set_num_threads(args.threads)


class RunReporter:
    """What a run reports to: each iteration (the bar, ``--save-every``) and each tile of a tiled level."""

    def __init__(self, bar: ProgressBar, on_iteration: Callable[[LevelProgress], None] | None):
        self.bar = bar
        self.on_iteration = on_iteration

    def __call__(self, progress: LevelProgress) -> None:
        self.bar(progress)
        if self.on_iteration is not None:
            self.on_iteration(progress)

    def tile(self, progress: TileProgress) -> None:
        self.bar.tile(progress)


def run_and_save(
    work: Callable[[RunReporter], Picture],
    args: argparse.Namespace,
    save: Callable[[Picture, str, Path], object],
    kind: str = "level",
    on_iteration: Callable[[LevelProgress], None] | None = None,
    eta: Eta | None = None,
) -> int:
    """Run ``work(reporter)`` with a progress bar, then ``save(image, status, path)`` to ``args.output``.

    On Ctrl-C (or SIGTERM, SIGHUP) the technique raises ``Interrupted`` with its best result so far;
    that is saved instead and the exit code is 128 + the signal, so nothing computed is lost. If
    another run took the output's name meanwhile, the picture goes beside it (``keep_saving``).
    """
    from ..files import saved_beside
    from ..optim import Interrupted

    use_threads(args)
    bar = ProgressBar(enabled=not args.quiet, kind=kind, eta=eta)
    try:
        result = work(RunReporter(bar, on_iteration))
    except Interrupted as stop:
        bar.close()
        how = describe(stop.signum)
        if stop.best is None:
            print(f"brushwork: {how} before the first iteration; nothing to save", file=sys.stderr)
            return exit_code(stop.signum)
        where = keep_saving(save, stop.best, "interrupted", Path(args.output))
        print(f"brushwork: {how}; saved the best image so far to {where}", file=sys.stderr)
        return exit_code(stop.signum)
    finally:
        bar.close()
    where = keep_saving(save, result, "finished", Path(args.output))
    if where != Path(args.output):
        print(f"brushwork: {saved_beside(Path(args.output), where)}", file=sys.stderr)
        return 2
    if not args.quiet:
        print(f"wrote {args.output}")
    return 0


def keep_saving(save: Callable[[Picture, str, Path], object], image: Picture, status: str, path: Path) -> Path:
    from ..files import save_where_free

    return save_where_free(lambda where: save(image, status, where), path)


def saving_with_record(
    args: argparse.Namespace,
    technique: str,
    settings: Settings | Mapping[str, Any],
    inputs: Mapping[str, Any] | None = None,
) -> Callable[[Picture, str, Path], object]:
    """A ``save`` for ``run_and_save`` that writes the record of what made the picture with it."""
    from ..encoders.precision import resolved_run
    from ..image.io import save_image
    from ..provenance import record

    def save(image: Picture, status: str, path: Path) -> object:
        made_by = record(technique, settings, inputs, status, run=resolved_run(settings, run_device(args)))
        return save_image(image, path, overwrite=args.overwrite, metadata=made_by)

    return save


def run_job_and_save(job: Job, args: argparse.Namespace) -> int:
    """Run a job with the progress bar and ``--save-every``, and write its picture with its settings."""
    from ..jobs.runner import run_job, save_job_output
    from ..jobs.technique import technique

    job.validate()
    device = run_device(args)
    saver = intermediate_saver(args) if hasattr(args, "save_every") else None
    return run_and_save(
        lambda reporter: run_job(job, reporter, device=device).image,
        args,
        save=lambda image, status, path: save_job_output(job, image, path, args.overwrite, status, device),
        kind=technique(job.technique).level_kind,
        on_iteration=saver.on_iteration if saver is not None else None,
        eta=None if args.quiet else job_eta(job),
    )


def job_eta(job: Job) -> Eta | None:
    """The ETA of a job's whole run, from its technique's level plan and its photo's size (from the header)."""
    from ..image.reading import image_size
    from ..jobs.technique import technique

    kind = technique(job.technique)
    photo = None if kind.photo_role is None else job.inputs.get(kind.photo_role)
    size = None if photo is None else image_size(photo)
    if photo is not None and size is None:
        return None  # the run itself says what is wrong with the file
    return kind.eta(job.settings, size)


class IntermediateSaver:
    """Saves every N-th image of a run as ``<dir>/level<L>_<iteration>.png``."""

    def __init__(self, every: int, directory: Path, overwrite: bool):
        self.every = every
        self.directory = directory
        self.overwrite = overwrite
        if every:
            from ..files import make_folder

            make_folder(directory)
            steps = sorted(directory.glob("level*_*.png"))
            if steps and not overwrite:
                raise BrushworkError(
                    f"{directory}: already holds step images ({steps[0].name}, ...); pass --overwrite to replace "
                    "them, or choose another --intermediates"
                )
            from ..files import check_writable

            check_writable(directory / "level1_0001.png", overwrite=True)

    def on_iteration(self, progress: LevelProgress) -> None:
        if self.every and progress.iteration % self.every == 0:
            from ..image.io import save_image

            path = self.directory / f"level{progress.level + 1}_{progress.iteration:04d}.png"
            try:
                save_image(progress.image, path, overwrite=self.overwrite)
            except BrushworkError as exc:
                # A step image that cannot be written must not cost the run: say so once and go on.
                self.every = 0
                print(f"brushwork: warning: no more step images ({exc})", file=sys.stderr)


def add_intermediate_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--save-every",
        type=_int_at_least(0),
        default=0,
        metavar="N",
        help="save every N-th iteration's image (--overwrite also replaces these)",
    )
    parser.add_argument("--intermediates", type=Path, help="folder for --save-every images (default: OUTPUT_steps/)")


def intermediate_saver(args: argparse.Namespace) -> IntermediateSaver:
    folder = args.intermediates or args.output.with_name(args.output.stem + "_steps")
    if args.save_every and folder.resolve() == args.output.resolve():
        raise BrushworkError(f"--intermediates {folder}: is the output file; give a folder for the step images")
    return IntermediateSaver(args.save_every, folder, args.overwrite)


def check_output(args: argparse.Namespace, job: Job | None = None) -> None:
    """Refuse a bad or existing output (and its sidecar) before any work is done, and one of ``job``'s inputs."""
    from ..image.io import check_output_paths

    check_output_paths(args.output, args.overwrite, job.input_paths() if job is not None else ())
