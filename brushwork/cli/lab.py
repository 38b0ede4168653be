"""``brushwork lab``: small models on 28x28 images (seeds 000 and 004), over ``brushwork.lab``'s API.

Every training command writes into one output folder (``-o``), keeps a safetensors checkpoint
there after each epoch and on Ctrl-C, and continues from it with ``--resume``.
"""

from __future__ import annotations

import argparse
import functools
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import BrushworkError
from ..lab.settings import (
    AUTOENCODERS,
    CLASSIFIER_DEFAULTS,
    CLASSIFIERS,
    AAESettings,
    AutoencoderSettings,
    DecoderSettings,
    GANSettings,
)
from ..settings.words import channel_list
from ..signals import describe, exit_code
from .bars import Bar
from .common import add_run_options, check_output, run_device, settings_from_args, use_threads
from .options import add_settings_options, settings_changes, word

if TYPE_CHECKING:
    from ..lab.runs import Reporter
    from ..lab.training import StepProgress

DEFAULT_ROOT = Path("lab-results")


def bar_reporter(quiet: bool) -> Reporter:
    """The lab's progress for a terminal: a bar per epoch with the step's losses, a line per epoch."""
    from tqdm import tqdm

    from ..lab.runs import Reporter

    class BarReporter(Reporter):
        def __init__(self) -> None:
            self.label = ""
            self.epochs = Bar()
            self.epoch_index: int | None = None
            self.features_bar = Bar()

        def start(self, label: str) -> None:
            self.label, self.epoch_index = label, None

        def step(self, progress: StepProgress) -> None:
            if quiet:
                return
            if progress.epoch != self.epoch_index:
                self.epoch_index = progress.epoch
                self.epochs.open(
                    total=progress.steps,
                    unit="batch",
                    leave=False,
                    desc=f"{self.label} epoch {progress.epoch + 1}/{progress.epochs}",
                )
            bar = self.epochs.bar
            assert bar is not None
            bar.set_postfix({k: f"{v:.4g}" for k, v in progress.losses.items()}, refresh=False)
            bar.update(1)

        def features(self, done: int, total: int) -> None:
            if quiet:
                return
            bar = self.features_bar.bar or self.features_bar.open(
                total=total, desc="EfficientNet features", unit="batch", leave=False
            )
            bar.update(1)

        def epoch(self, label: str, entry: Mapping[str, float]) -> None:
            if not quiet:
                shown = ", ".join(f"{k} {v:.4g}" for k, v in entry.items() if k not in ("epoch", "seconds"))
                tqdm.write(f"{label} epoch {entry['epoch']}: {shown} ({entry['seconds']:.0f} s)")

        def finish(self) -> None:
            self.epochs.close()
            self.features_bar.close()

        def say(self, text: str) -> None:
            if not quiet:
                print(text)

    return BarReporter()


def training_command(run: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """Every training command: its --threads, and on Ctrl-C (or SIGTERM, SIGHUP) where the checkpoint is (the
    progress bars are closed by then), with exit code 128 + the signal."""

    @functools.wraps(run)
    def wrapped(args: argparse.Namespace) -> int:
        from ..lab.training import TrainingInterrupted

        use_threads(args)
        try:
            return run(args)
        except TrainingInterrupted as stop:
            where = (
                f"; checkpoint of {stop.record.epochs_done} finished epochs saved to {stop.checkpoint} "
                "(continue with --resume)"
                if stop.checkpoint
                else ""
            )
            print(f"brushwork: {describe(stop.signum)}{where}", file=sys.stderr)
            return exit_code(stop.signum)

    return wrapped


def add_folder_options(p: argparse.ArgumentParser, default_folder: str) -> None:
    add_run_options(
        p,
        output=f"output folder (default: {DEFAULT_ROOT / default_folder})",
        output_required=False,
        output_metavar="DIR",
        overwrite="replace outputs that exist",
        quiet="no progress bars",
    )
    p.add_argument(
        "--resume",
        action="store_true",
        help="continue from the folder's checkpoint, with the same settings (only --epochs may change)",
    )
    p.set_defaults(default_folder=default_folder)


def output_folder(args: argparse.Namespace) -> Path:
    return args.output or DEFAULT_ROOT / args.default_folder


@training_command
def run_classify(args: argparse.Namespace) -> int:
    from ..lab.runs import classify

    if args.all == (args.classifier is not None):
        raise BrushworkError("name one classifier (svm, mlp, lenet, efficientnet) or pass --all")
    names = list(CLASSIFIERS) if args.all else [args.classifier]
    folder = output_folder(args)
    report = classify(
        names,
        folder,
        settings_changes(args, type(CLASSIFIER_DEFAULTS["mlp"])),
        overwrite=args.overwrite,
        resume=args.resume,
        compare=args.all,
        reporter=bar_reporter(args.quiet),
        device=run_device(args),
    )
    for result in report.results:
        print(
            f"{result.title}: accuracy {result.accuracy:.4f} (seed 004: {result.seed_accuracy:.3f}) "
            f"in {result.seconds:.0f} s; confusion matrix: {folder / f'{result.name}_confusion.png'}"
        )
    if report.table is not None:
        print(report.table)
        print(f"wrote {folder / 'results.md'} and {folder / 'results.json'}")
    return 0


@training_command
def run_autoencoder(args: argparse.Namespace) -> int:
    from ..lab.runs import autoencoders

    models = list(AUTOENCODERS) if args.model == "all" else [args.model]
    folder = output_folder(args)
    report = autoencoders(
        models,
        folder,
        settings_from_args(args, AutoencoderSettings()),
        overwrite=args.overwrite,
        resume=args.resume,
        reporter=bar_reporter(args.quiet),
        device=run_device(args),
    )
    print(report.table)
    print(f"wrote {folder / 'reconstructions.png'} (rows: originals, then {', '.join(models)})")
    return 0


@training_command
def run_dcgan(args: argparse.Namespace) -> int:
    from ..lab.runs import dcgan

    report = dcgan(
        output_folder(args),
        settings_from_args(args, GANSettings()),
        overwrite=args.overwrite,
        resume=args.resume,
        reporter=bar_reporter(args.quiet),
        device=run_device(args),
    )
    generated, real = report.summary["generated"], report.summary["real"]
    print(
        f"DCGAN after {report.summary['epochs']} epochs: Fréchet distance {generated['frechet_distance']:.3f} "
        f"(real digits: {real['frechet_distance']:.3f}), confidently classified {generated['confident_share']:.3f} "
        f"(real: {real['confident_share']:.3f}); samples: {report.samples}"
    )
    return 0


@training_command
def run_aae_train(args: argparse.Namespace) -> int:
    from ..lab.runs import aae

    settings = settings_from_args(args, AAESettings())
    kind = "supervised" if settings.supervised else "unsupervised"
    args.default_folder = f"aae-{kind}"
    report = aae(
        output_folder(args),
        settings,
        overwrite=args.overwrite,
        resume=args.resume,
        reporter=bar_reporter(args.quiet),
        device=run_device(args),
    )
    final = report.summary["final"]
    print(
        f"AAE ({kind}) after {report.summary['epochs']} epochs: "
        f"test reconstruction BCE {final['test_reconstruction']:.4f}; class in the codes: a linear probe tells it "
        f"{final['code_class_accuracy']:.0%} of the time (chance 10%); wrote {' and '.join(map(str, report.pictures))}"
    )
    return 0


def photo_folder(args: argparse.Namespace) -> Path:
    from ..lab.photos import default_photo_dir

    return args.photos or default_photo_dir()


def run_photos(args: argparse.Namespace) -> int:
    from ..lab.runs.decoding import photo_set

    folder = photo_folder(args)
    counts = photo_set(folder, bar_reporter(False))
    shown = ", ".join(f"{counts.get(split, 0)} {split}" for split in ("train", "held-out", "dropped"))
    print(f"photo set in {folder}: {shown}; manifest {folder / 'photos.json'}")
    return 0


@training_command
def run_decoder(args: argparse.Namespace) -> int:
    from ..lab.runs.decoding import decoder

    report = decoder(
        output_folder(args),
        photo_folder(args),
        settings_from_args(args, DecoderSettings()),
        overwrite=args.overwrite,
        resume=args.resume,
        reporter=bar_reporter(args.quiet),
        device=run_device(args),
    )
    summary = report.summary
    print(
        f"decoder {summary['layer']} after {summary['steps']} steps ({summary['seconds']:.0f} s): held-out PSNR "
        f"{summary['held_out_psnr']:.2f} dB; weights {report.weights}; held-out sheet {report.sheet}"
    )
    return 0


def run_aae_transfer(args: argparse.Namespace) -> int:
    from ..image.io import save_image
    from ..lab.runs import aae_transfer_style
    from ..provenance import record

    check_output(args)
    use_threads(args)
    sheet = aae_transfer_style(args.digit, args.model, args.to)
    made_by = record("lab-aae-transfer-style", {"classes": list(args.to)}, {"digit": args.digit, "model": args.model})
    save_image(sheet, args.output, overwrite=args.overwrite, metadata=made_by)
    print(f"wrote {args.output} (the digit as read, then its style as {', '.join(map(str, args.to))})")
    return 0


def register(commands: Any) -> None:
    lab = commands.add_parser(
        "lab", help="the small-image lab: classifiers, autoencoders, DCGAN, AAE on (Fashion-)MNIST"
    )
    tasks = lab.add_subparsers(dest="task", required=True, metavar="TASK")

    c = tasks.add_parser("classify", help="Fashion-MNIST classifiers of seed 004, with confusion matrices")
    c.add_argument("classifier", nargs="?", choices=CLASSIFIERS, help="which classifier")
    c.add_argument("--all", action="store_true", help="train all four and write a results table (Markdown + JSON)")
    add_settings_options(c, CLASSIFIER_DEFAULTS["mlp"], "default for mlp", variants=CLASSIFIER_DEFAULTS)
    add_folder_options(c, "classify")
    c.set_defaults(run=run_classify)

    a = tasks.add_parser("autoencoder", help="MLP and convolutional autoencoders (seed 000), checkerboard measured")
    a.add_argument("--model", choices=(*AUTOENCODERS, "all"), default="all", help="(default: all, compared)")
    add_settings_options(a, AutoencoderSettings())
    add_folder_options(a, "autoencoder")
    a.set_defaults(run=run_autoencoder)

    g = tasks.add_parser("dcgan", help="seed 004's DCGAN on MNIST, with per-epoch samples and a quality figure")
    add_settings_options(g, GANSettings())
    add_folder_options(g, "dcgan")
    g.set_defaults(run=run_dcgan)

    photos_help = "the photo set's folder (default: ~/.local/share/brushwork/photos)"
    ph = tasks.add_parser("photos", help="assemble the decoders' photo set from Debian's wallpaper packages")
    ph.add_argument("--photos", type=Path, metavar="DIR", help=photos_help)
    ph.set_defaults(run=run_photos)

    d = tasks.add_parser("decoder", help="train a decoder that inverts VGG19 at one layer (the fast tier's)")
    d.add_argument("--photos", type=Path, metavar="DIR", help=photos_help)
    add_settings_options(d, DecoderSettings())
    add_folder_options(d, "decoder")
    d.set_defaults(run=run_decoder)

    aae = tasks.add_parser("aae", help="adversarial autoencoder (seed 004): train, or transfer a digit's style")
    aae_tasks = aae.add_subparsers(dest="aae_task", required=True, metavar="ACTION")
    t = aae_tasks.add_parser("train", help="train an AAE; t-SNE of its codes, and the style grid when supervised")
    add_settings_options(t, AAESettings())
    add_folder_options(t, "aae-supervised or aae-unsupervised")
    t.set_defaults(run=run_aae_train)

    s = aae_tasks.add_parser("transfer-style", help="render a digit's handwriting style as other digits")
    s.add_argument("digit", type=Path, metavar="DIGIT.png", help="an image of one handwritten digit")
    s.add_argument(
        "--to", type=word(channel_list), default=tuple(range(10)), metavar="LIST", help="classes (default: 0-9)"
    )
    s.add_argument(
        "--model",
        type=Path,
        default=DEFAULT_ROOT / "aae-supervised" / "aae.safetensors",
        help="supervised AAE checkpoint (default: lab-results/aae-supervised/aae.safetensors)",
    )
    add_run_options(s, output="output image (.png, ...)", quiet=None, device=None)  # a few digits: the host
    s.set_defaults(run=run_aae_transfer)
