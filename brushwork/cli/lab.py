"""``brushwork lab``: small models on 28x28 images (seeds 000 and 004).

Every training command writes into one output folder (``-o``), keeps a safetensors checkpoint
there after each epoch and on Ctrl-C, and continues from it with ``--resume``.
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
from dataclasses import asdict, fields
from pathlib import Path

import torch
from tqdm import tqdm

from ..errors import BrushworkError
from ..files import already_exists, write_text
from ..image.io import load_image, save_image
from ..lab import aae as aae_lab
from ..lab import autoencoders as ae_lab
from ..lab import classify as cls_lab
from ..lab import gan as gan_lab
from ..lab import plots
from ..lab.checkpoint import load_checkpoint, read_checkpoint
from ..lab.data import Dataset, load_fashion_mnist, load_mnist
from ..lab.metrics import nyquist_energy_share
from ..lab.report import autoencoder_table, classifier_table
from ..lab.training import TrainingInterrupted
from .common import EXIT_INTERRUPTED, channel_list, finite_float, positive_int

DEFAULT_ROOT = Path("lab-results")


# ---------------------------------------------------------------- shared pieces

class EpochBar:
    """One tqdm bar per epoch with the step's losses; used as ``fit``'s ``on_step``."""

    def __init__(self, label: str, enabled: bool):
        self.label, self.enabled = label, enabled
        self.bar: tqdm | None = None
        self.epoch = None

    def __call__(self, progress) -> None:
        if not self.enabled:
            return
        if progress.epoch != self.epoch:
            self.close()
            self.epoch = progress.epoch
            self.bar = tqdm(total=progress.steps, unit="batch", leave=False,
                            desc=f"{self.label} epoch {progress.epoch + 1}/{progress.epochs}")
        self.bar.set_postfix({k: f"{v:.4g}" for k, v in progress.losses.items()}, refresh=False)
        self.bar.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def report_epoch(label: str, quiet: bool):
    def on_epoch(entry: dict) -> None:
        if not quiet:
            shown = ", ".join(f"{k} {v:.4g}" for k, v in entry.items() if k not in ("epoch", "seconds"))
            tqdm.write(f"{label} epoch {entry['epoch']}: {shown} ({entry['seconds']:.0f} s)")
    return on_epoch


def add_common_options(p: argparse.ArgumentParser, default_folder: str, resumable: bool = True) -> None:
    p.add_argument("-o", "--output", type=Path, metavar="DIR",
                   help=f"output folder (default: {DEFAULT_ROOT / default_folder})")
    p.add_argument("--overwrite", action="store_true", help="replace outputs that exist")
    if resumable:
        p.add_argument("--resume", action="store_true",
                       help="continue from the folder's checkpoint (its other outputs are replaced)")
    p.add_argument("--seed", type=int, help="random seed (default: 0)")
    p.add_argument("--train-limit", type=positive_int, metavar="N", help="train on the first N training images only")
    p.add_argument("--test-limit", type=positive_int, metavar="N", help="test on the first N test images only")
    p.add_argument("--threads", type=positive_int, help="CPU threads for torch (default: all cores)")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.set_defaults(default_folder=default_folder)


def add_training_options(p: argparse.ArgumentParser, defaults) -> None:
    """--epochs/--batch-size/--learning-rate, with the engine's defaults in the help."""
    def help_for(name: str) -> str:
        value = getattr(defaults, name, None) if defaults is not None else None
        return f"(default: {value})" if value is not None else "(default: per model)"
    p.add_argument("--epochs", type=positive_int, help=help_for("epochs"))
    p.add_argument("--batch-size", type=positive_int, help=help_for("batch_size"))
    p.add_argument("--learning-rate", type=finite_float, help=help_for("learning_rate"))


def changes(args, settings_class) -> dict:
    names = {f.name for f in fields(settings_class)}
    return {name: getattr(args, name) for name in names if getattr(args, name, None) is not None}


def prepare_folder(args, outputs: list[str]) -> Path:
    """Create the output folder and refuse, before any work, to replace outputs without --overwrite."""
    folder: Path = args.output or DEFAULT_ROOT / args.default_folder
    if folder.exists() and not folder.is_dir():
        raise BrushworkError(f"{folder}: exists and is not a folder")
    replace = args.overwrite or getattr(args, "resume", False)
    if not replace:
        for name in outputs:
            if (folder / name).exists():
                raise already_exists(folder / name)
    folder.mkdir(parents=True, exist_ok=True)
    if args.threads:
        torch.set_num_threads(args.threads)
    return folder


def limited(dataset: Dataset, args) -> Dataset:
    return dataset.subset(args.train_limit, args.test_limit)


def write_json(path: Path, data, overwrite: bool) -> None:
    write_text(path, json.dumps(data, indent=2) + "\n", overwrite)


def reports_interruption(run):
    """Ctrl-C during training: say where the checkpoint is (the progress bars are closed by then) and exit 130."""
    @functools.wraps(run)
    def wrapped(args) -> int:
        try:
            return run(args)
        except TrainingInterrupted as stop:
            where = f"; checkpoint of {stop.record.epochs_done} finished epochs saved to {stop.checkpoint} " \
                    "(continue with --resume)" if stop.checkpoint else ""
            print(f"brushwork: interrupted{where}", file=sys.stderr)
            return EXIT_INTERRUPTED
    return wrapped


def say(args, text: str) -> None:
    if not args.quiet:
        print(text)


# ---------------------------------------------------------------- classify

def classifier_outputs(name: str) -> list[str]:
    files = [f"{name}_confusion.png", f"{name}.json"]
    return files if name == "svm" else files + [f"{name}.safetensors"]


@reports_interruption
def run_classify(args) -> int:
    if args.all == (args.classifier is not None):
        raise BrushworkError("name one classifier (svm, mlp, lenet, efficientnet) or pass --all")
    names = list(cls_lab.CLASSIFIERS) if args.all else [args.classifier]
    outputs = [f for name in names for f in classifier_outputs(name)]
    if args.all:
        outputs += ["results.md", "results.json", "accuracy.png"]
    folder = prepare_folder(args, outputs)
    dataset = limited(load_fashion_mnist(), args)
    summaries, histories = [], {}
    for name in names:
        settings = cls_lab.settings_for(name, **changes(args, cls_lab.ClassifierSettings))
        say(args, f"{cls_lab.TITLES[name]}: training on {len(dataset.train_images)} images")
        bar = EpochBar(name, not args.quiet)
        feature_bar = tqdm(total=0, desc="EfficientNet features", unit="batch", leave=False,
                           disable=args.quiet or name != "efficientnet")

        def on_features(done: int, total: int) -> None:
            feature_bar.total = total
            feature_bar.update(1)
        try:
            if name == "svm":
                result = cls_lab.train_classifier(name, dataset, settings)
            else:
                result = cls_lab.train_classifier(
                    name, dataset, settings, on_step=bar, on_features=on_features,
                    checkpoint=folder / f"{name}.safetensors", resume=args.resume)
        finally:
            bar.close()
            feature_bar.close()
        summary = result.summary()
        summaries.append(summary)
        histories[name] = result.history
        plots.confusion_matrix_plot(dataset.test_labels, result.predictions, dataset.classes, result.title,
                                    folder / f"{name}_confusion.png", overwrite=True)
        write_json(folder / f"{name}.json", {**summary, "settings": asdict(settings), "history": result.history},
                   overwrite=True)
        print(f"{result.title}: accuracy {result.accuracy:.4f} (seed 004: {result.seed_accuracy:.3f}) "
              f"in {result.seconds:.0f} s; confusion matrix: {folder / f'{name}_confusion.png'}")
    if args.all:
        table = classifier_table(summaries, dataset.name, len(dataset.test_images))
        write_text(folder / "results.md", table, overwrite=True)
        write_json(folder / "results.json", summaries, overwrite=True)
        accuracy_history = _merge_histories(histories)
        plots.curves_plot(accuracy_history, [n for n in histories if histories[n]], "Fashion-MNIST test accuracy",
                          folder / "accuracy.png", overwrite=True, ylabel="test accuracy",
                          reference={f"seed {n} {cls_lab.SEED_ACCURACY[n]}": cls_lab.SEED_ACCURACY[n]
                                     for n in histories if histories[n]})
        print(table)
        print(f"wrote {folder / 'results.md'} and {folder / 'results.json'}")
    return 0


def _merge_histories(histories: dict[str, list[dict]]) -> list[dict]:
    longest = max((len(h) for h in histories.values()), default=0)
    merged = []
    for index in range(longest):
        entry = {"epoch": index + 1}
        for name, history in histories.items():
            if index < len(history):
                entry[name] = history[index]["test_accuracy"]
        merged.append(entry)
    return merged


# ---------------------------------------------------------------- autoencoders

def load_named_dataset(name: str) -> Dataset:
    return load_mnist() if name == "mnist" else load_fashion_mnist()


@reports_interruption
def run_autoencoder(args) -> int:
    names = list(ae_lab.AUTOENCODERS) if args.model == "all" else [args.model]
    outputs = [f"{n}.safetensors" for n in names] + ["reconstructions.png", "results.md", "results.json", "test_mse.png"]
    folder = prepare_folder(args, outputs)
    dataset = limited(load_named_dataset(args.dataset), args)
    settings = ae_lab.AutoencoderSettings(**changes(args, ae_lab.AutoencoderSettings))
    shown = images_tensor_first(dataset, 12)
    rows, panels, histories = [], [shown], {}
    for name in names:
        bar = EpochBar(name, not args.quiet)
        try:
            result = ae_lab.train_autoencoder(name, dataset, settings, on_step=bar,
                                              checkpoint=folder / f"{name}.safetensors", resume=args.resume)
        finally:
            bar.close()
        final = result.final
        rows.append({"model": name, "title": ae_lab.TITLES[name], "test_mse": final["test_mse"],
                     "nyquist_share": final["nyquist_share"]})
        histories[name] = result.record.history
        panels.append(result.experiment.reconstruct(shown))
        say(args, f"{ae_lab.TITLES[name]}: test MSE {final['test_mse']:.5f}, "
                  f"Nyquist energy share {final['nyquist_share']:.5f}")
    reference = nyquist_energy_share(images_tensor_first(dataset, len(dataset.test_images)))
    # Rows: the test digits, then each model's reconstruction of them.
    plots.digit_grid(torch.cat(panels), len(shown), folder / "reconstructions.png", overwrite=True, scale=3)
    write_text(folder / "results.md", autoencoder_table(rows, reference), overwrite=True)
    write_json(folder / "results.json", {"dataset": dataset.name, "originals_nyquist_share": reference,
                                         "settings": asdict(settings), "models": rows,
                                         "history": histories}, overwrite=True)
    plots.curves_plot(_merge_metric(histories, "test_mse"), names, "autoencoders: test reconstruction error",
                      folder / "test_mse.png", overwrite=True, ylabel="test MSE")
    print(autoencoder_table(rows, reference))
    print(f"wrote {folder / 'reconstructions.png'} (rows: originals, then {', '.join(names)})")
    return 0


def _merge_metric(histories: dict[str, list[dict]], key: str) -> list[dict]:
    longest = max(len(h) for h in histories.values())
    return [{"epoch": i + 1, **{n: h[i][key] for n, h in histories.items() if i < len(h)}} for i in range(longest)]


def images_tensor_first(dataset: Dataset, n: int) -> torch.Tensor:
    return cls_lab.images_tensor(dataset.test_images[:n])


# ---------------------------------------------------------------- DCGAN

@reports_interruption
def run_dcgan(args) -> int:
    outputs = ["dcgan.safetensors", "losses.png", "quality.png", "samples.png", "results.json", "samples"]
    folder = prepare_folder(args, outputs)
    dataset = limited(load_mnist(), args)
    settings = gan_lab.GANSettings(**changes(args, gan_lab.GANSettings))
    (folder / "samples").mkdir(exist_ok=True)
    say(args, "training the LeNet-5 judge on the MNIST training split")
    judge_bar = EpochBar("judge", not args.quiet)
    try:
        judge, judge_accuracy = gan_lab.train_judge(dataset, gan_lab.JudgeSettings(seed=settings.seed), on_step=judge_bar)
    finally:
        judge_bar.close()
    n_real = min(settings.quality_samples, len(dataset.train_images))
    real = judge.measure(cls_lab.images_tensor(dataset.train_images[:n_real]))
    say(args, f"judge accuracy {judge_accuracy:.4f}; real training digits: Fréchet distance "
              f"{real['frechet_distance']:.3f}, confident share {real['confident_share']:.3f}")
    step_losses: dict[str, list[float]] = {"d_loss": [], "g_loss": []}
    bar = EpochBar("dcgan", not args.quiet)

    def on_step(progress) -> None:
        bar(progress)
        for key in step_losses:
            step_losses[key].append(progress.losses[key])

    def on_epoch(entry: dict, experiment) -> None:
        report_epoch("dcgan", args.quiet)(entry)
        plots.digit_grid(experiment.sample(experiment.grid_noise), 10,
                         folder / "samples" / f"epoch_{entry['epoch']:03d}.png", overwrite=True)

    try:
        result = gan_lab.train_dcgan(dataset, settings, judge, on_step=on_step, on_epoch=on_epoch,
                                     checkpoint=folder / "dcgan.safetensors", resume=args.resume)
    finally:
        bar.close()
    history = result.record.history
    final = history[-1]
    plots.digit_grid(result.experiment.sample(result.experiment.grid_noise), 10, folder / "samples.png", overwrite=True,
                     scale=3)
    if step_losses["d_loss"]:
        plots.step_losses_plot(step_losses, "DCGAN losses", folder / "losses.png", overwrite=True)
    else:
        plots.curves_plot(history, ["d_loss", "g_loss"], "DCGAN losses", folder / "losses.png", overwrite=True)
    plots.curves_plot(history, ["frechet_distance"], "Fréchet distance to held-out digits (LeNet-5 features)",
                      folder / "quality.png", overwrite=True, ylabel="Fréchet distance",
                      reference={"real training digits": real["frechet_distance"]})
    summary = {"epochs": result.record.epochs_done, "seconds": result.record.seconds,
               "generated": {"frechet_distance": final["frechet_distance"], "confident_share": final["confident_share"]},
               "real": real, "judge_accuracy": judge_accuracy, "settings": asdict(settings), "history": history}
    write_json(folder / "results.json", summary, overwrite=True)
    print(f"DCGAN after {result.record.epochs_done} epochs: Fréchet distance {final['frechet_distance']:.3f} "
          f"(real digits: {real['frechet_distance']:.3f}), confidently classified {final['confident_share']:.3f} "
          f"(real: {real['confident_share']:.3f}); samples: {folder / 'samples.png'}")
    return 0


# ---------------------------------------------------------------- adversarial autoencoder

@reports_interruption
def run_aae_train(args) -> int:
    supervised = args.supervised
    args.default_folder = "aae-supervised" if supervised else "aae-unsupervised"
    outputs = ["aae.safetensors", "tsne.png", "losses.png", "results.json",
               "style_grid.png" if supervised else "prior_samples.png"]
    folder = prepare_folder(args, outputs)
    dataset = limited(load_mnist(), args)
    settings = aae_lab.AAESettings(**changes(args, aae_lab.AAESettings))
    bar = EpochBar(f"aae ({'supervised' if supervised else 'unsupervised'})", not args.quiet)
    try:
        result = aae_lab.train_aae(dataset, settings, on_step=bar,
                                   on_epoch=lambda entry, _: report_epoch("aae", args.quiet)(entry),
                                   checkpoint=folder / "aae.safetensors", resume=args.resume)
    finally:
        bar.close()
    experiment, history = result.experiment, result.record.history
    plots.curves_plot(history, ["reconstruction", "test_reconstruction", "d_loss", "g_loss"],
                      f"AAE ({'supervised' if supervised else 'unsupervised'}) losses", folder / "losses.png",
                      overwrite=True)
    say(args, "t-SNE of the test digits' codes ...")
    codes = experiment.encode(experiment.test_images)
    points = aae_lab.tsne_embedding(codes, settings.seed)
    kind = "supervised: the code holds style, not class" if supervised else "unsupervised"
    plots.scatter_plot(points, dataset.test_labels, dataset.classes, f"AAE codes of test digits, t-SNE ({kind})",
                       folder / "tsne.png", overwrite=True)
    if supervised:
        # Rows: style codes of real test digits (the digit itself first); columns: classes 0-9.
        sources = experiment.test_images[:10]
        rendered = aae_lab.style_grid_codes(experiment, sources).reshape(len(sources), 10, 1, 28, 28)
        rows = torch.cat([sources.unsqueeze(1), rendered], dim=1).reshape(-1, 1, 28, 28)
        plots.digit_grid(rows, 11, folder / "style_grid.png", overwrite=True, scale=3)
        picture = folder / "style_grid.png"
    else:
        prior = torch.randn(100, aae_lab.CODE_SIZE, generator=torch.Generator().manual_seed(settings.seed)) \
            * aae_lab.PRIOR_STD
        plots.digit_grid(experiment.render(prior, None), 10, folder / "prior_samples.png", overwrite=True, scale=3)
        picture = folder / "prior_samples.png"
    final = history[-1]
    write_json(folder / "results.json", {"supervised": supervised, "epochs": result.record.epochs_done,
                                         "seconds": result.record.seconds, "final": final,
                                         "settings": asdict(settings), "history": history}, overwrite=True)
    print(f"AAE ({'supervised' if supervised else 'unsupervised'}) after {result.record.epochs_done} epochs: "
          f"test reconstruction BCE {final['test_reconstruction']:.4f}; class in the codes: a linear probe tells it "
          f"{final['code_class_accuracy']:.0%} of the time (chance 10%); wrote {folder / 'tsne.png'} and {picture}")
    return 0


def digit_from_file(path: Path) -> torch.Tensor:
    """Any image as an MNIST-style digit: grey, 28x28, light strokes on black.

    MNIST digits are white on black; a picture that is mostly light (ink on paper) is inverted.
    The digit is fitted into the middle 20x20 px with its aspect kept, as MNIST's digits are.
    """
    from ..image.pyramid import resize

    rgb = load_image(path)
    grey = rgb.mean(dim=1, keepdim=True)
    if grey.mean() > 0.5:
        grey = 1 - grey
    h, w = grey.shape[-2:]
    scale = 20 / max(h, w)
    size = (max(1, round(h * scale)), max(1, round(w * scale)))
    small = resize(grey.expand(-1, 3, -1, -1), size)[:, :1].clamp(0, 1)
    digit = torch.zeros(1, 1, 28, 28)
    top, left = (28 - size[0]) // 2, (28 - size[1]) // 2
    digit[:, :, top:top + size[0], left:left + size[1]] = small
    return digit


def run_aae_transfer(args) -> int:
    from ..image.io import check_output_path

    check_output_path(args.output_image, args.overwrite)
    if args.threads:
        torch.set_num_threads(args.threads)
    classes = args.to
    if any(c > 9 for c in classes):
        raise BrushworkError(f"--to: classes are digits 0-9, not {max(classes)}")
    digit = digit_from_file(args.digit)
    _, metadata = read_checkpoint(args.model)
    if json.loads(metadata["record"]).get("experiment") != "aae-supervised":
        raise BrushworkError(f"{args.model}: is not a supervised AAE checkpoint (train one with: brushwork lab aae train "
                             "--supervised)")
    experiment = aae_lab.AAEExperiment.for_inference(supervised=True)
    load_checkpoint(args.model, experiment.modules, restore_rng=False)
    rendered = aae_lab.transfer_style(experiment, digit, classes)
    tiles = torch.cat([digit, rendered])
    from ..image.sheet import grid, upscale

    sheet = grid(list(tiles.expand(-1, 3, -1, -1)), len(tiles), gap=2, background=0.35)
    save_image(upscale(sheet, 4), args.output_image, overwrite=args.overwrite)
    print(f"wrote {args.output_image} (the digit as read, then its style as {', '.join(map(str, classes))})")
    return 0


# ---------------------------------------------------------------- parser

def register(commands) -> None:
    lab = commands.add_parser("lab", help="the small-image lab: classifiers, autoencoders, DCGAN, AAE on (Fashion-)MNIST")
    tasks = lab.add_subparsers(dest="task", required=True, metavar="TASK")

    c = tasks.add_parser("classify", help="Fashion-MNIST classifiers of seed 004, with confusion matrices")
    c.add_argument("classifier", nargs="?", choices=cls_lab.CLASSIFIERS, help="which classifier")
    c.add_argument("--all", action="store_true", help="train all four and write a results table (Markdown + JSON)")
    add_training_options(c, None)
    add_common_options(c, "classify")
    c.set_defaults(run=run_classify)

    a = tasks.add_parser("autoencoder", help="MLP and convolutional autoencoders (seed 000), checkerboard measured")
    a.add_argument("--model", choices=(*ae_lab.AUTOENCODERS, "all"), default="all", help="(default: all, compared)")
    a.add_argument("--dataset", choices=("mnist", "fashion-mnist"), default="mnist", help="(default: mnist)")
    add_training_options(a, ae_lab.AutoencoderSettings())
    add_common_options(a, "autoencoder")
    a.set_defaults(run=run_autoencoder)

    g = tasks.add_parser("dcgan", help="seed 004's DCGAN on MNIST, with per-epoch samples and a quality figure")
    gan_defaults = gan_lab.GANSettings()
    add_training_options(g, gan_defaults)
    g.add_argument("--architecture", choices=tuple(gan_lab.ARCHITECTURES),
                   help=f"seed (seed 004's networks) or radford (the DCGAN paper's) (default: {gan_defaults.architecture})")
    g.add_argument("--generator-steps", type=positive_int,
                   help=f"generator updates per discriminator update (default: {gan_defaults.generator_steps})")
    g.add_argument("--optimizer", choices=gan_lab.OPTIMIZERS,
                   help=f"adam (DCGAN paper) or sgd (the seed's) (default: {gan_defaults.optimizer})")
    add_common_options(g, "dcgan")
    g.set_defaults(run=run_dcgan)

    aae = tasks.add_parser("aae", help="adversarial autoencoder (seed 004): train, or transfer a digit's style")
    aae_tasks = aae.add_subparsers(dest="aae_task", required=True, metavar="ACTION")
    t = aae_tasks.add_parser("train", help="train an AAE; t-SNE of its codes, and the style grid when supervised")
    t.add_argument("--supervised", action="store_true", help="give the decoder the class, so the code learns style")
    add_training_options(t, aae_lab.AAESettings())
    add_common_options(t, "aae-supervised or aae-unsupervised")
    t.set_defaults(run=run_aae_train)

    s = aae_tasks.add_parser("transfer-style", help="render a digit's handwriting style as other digits")
    s.add_argument("digit", type=Path, metavar="DIGIT.png", help="an image of one handwritten digit")
    s.add_argument("--to", type=channel_list, default=list(range(10)), metavar="LIST", help="classes (default: 0-9)")
    s.add_argument("--model", type=Path, default=DEFAULT_ROOT / "aae-supervised" / "aae.safetensors",
                   help="supervised AAE checkpoint (default: lab-results/aae-supervised/aae.safetensors)")
    s.add_argument("-o", "--output", dest="output_image", type=Path, required=True, help="output image (.png, ...)")
    s.add_argument("--overwrite", action="store_true", help="replace the output if it exists")
    s.add_argument("--threads", type=positive_int, help="CPU threads for torch (default: all cores)")
    s.set_defaults(run=run_aae_transfer)
