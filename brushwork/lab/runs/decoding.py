"""The feed-forward tier's decoders: the photo set, training, the held-out PSNR and contact sheet, and the
half-precision weights that ship (``brushwork/assets/decoders``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from ...encoders.decoder import read_decoder, save_decoder
from ...encoders.vgg import load_vgg19
from ...image.sheet import captioned_sheet
from ...provenance import record
from .. import plots
from ..decoders import DECODER_POOLING, DecoderExperiment, held_out_scores, load_photos, trim_to_stride
from ..photos import MANIFEST_NAME, assemble, read_manifest
from ..settings import DecoderSettings
from ..training import fit
from .common import QUIET, Reporter, prepare_folder, write_json

SHEET_PHOTOS = 6  # held-out photos on the contact sheet


@dataclass
class DecoderReport:
    summary: dict[str, Any]
    weights: Path
    sheet: Path


def photo_set(folder: Path, reporter: Reporter = QUIET) -> dict[str, int]:
    """Assemble the photo set in ``folder``; how many photos went to each split."""
    reporter.say(f"downloading and unpacking the wallpaper packages into {folder} ...")
    entries = assemble(folder)
    counts: dict[str, int] = {}
    for entry in entries:
        counts[entry.split] = counts.get(entry.split, 0) + 1
    return counts


def decoder(
    folder: Path,
    photos: Path,
    settings: DecoderSettings = DecoderSettings(),
    *,
    overwrite: bool = False,
    resume: bool = False,
    reporter: Reporter = QUIET,
    device: torch.device | None = None,
) -> DecoderReport:
    """Train a decoder for ``settings.layer`` on the photo set in ``photos``: checkpoint.safetensors after
    every epoch, then ``<layer>.safetensors`` (the half-precision weights), held_out.png (held-out photos
    over their reconstructions), losses.png and results.json."""
    settings.validate()
    weights_name = f"{settings.layer}.safetensors"
    folder = prepare_folder(
        folder,
        [
            "checkpoint.safetensors",
            weights_name,
            f"{settings.layer}.json",
            "held_out.png",
            "losses.png",
            "results.json",
        ],
        overwrite,
        resume,
    )
    made_by = record("lab-decoder", settings)
    train = load_photos(photos, "train", settings.max_long_side)
    held_out = load_photos(photos, "held-out", settings.held_out_side)
    reporter.say(f"{len(train)} training photos, {len(held_out)} held out")
    experiment = DecoderExperiment(settings, train, held_out, device=device)
    reporter.start(experiment.name)
    try:
        training = fit(
            experiment,
            settings.steps * settings.batch_size,
            settings,
            checkpoint=folder / "checkpoint.safetensors",
            resume=resume,
            on_step=reporter.step,
            on_epoch=lambda entry: reporter.epoch(experiment.name, entry),
        )
    finally:
        reporter.finish()
    history = training.history
    final = history[-1] if history else experiment.evaluate(training.epochs_done)
    steps = experiment.steps_done()
    weights = folder / weights_name
    save_decoder(
        experiment.decoder,
        weights,
        {"steps": str(steps), "held_out_psnr": f"{final['held_out_psnr']:.3f}", "seconds": f"{training.seconds:.0f}"},
    )
    # The shipped figures: the half-precision file read back, in float32, photo by photo.
    shipped = read_decoder(weights)
    float32_encoder = load_vgg19([settings.layer], DECODER_POOLING)
    scores = held_out_scores(shipped, float32_encoder, held_out, settings.layer)
    held_out_entries = [entry for entry in read_manifest(photos / MANIFEST_NAME) if entry.split == "held-out"]
    card = {
        "layer": settings.layer,
        "width": settings.width,
        "steps": steps,
        "seconds": round(training.seconds),
        "held_out_side": settings.held_out_side,
        "held_out_psnr": sum(scores) / len(scores),
        "held_out": [
            {"package": entry.package, "path": entry.path, "sha256": entry.sha256, "psnr": score}
            for entry, score in zip(held_out_entries, scores, strict=True)
        ],
        "settings": settings.to_dict(),
    }
    write_json(folder / f"{settings.layer}.json", card)
    panels = []
    for photo in experiment.held_out[:SHEET_PHOTOS]:
        trimmed = trim_to_stride(photo, settings.layer)
        panels.append(("held out", trimmed))
        panels.append((f"from {settings.layer}", experiment.reconstruct(trimmed)))
    sheet = folder / "held_out.png"
    from ...image.io import save_image

    save_image(captioned_sheet(panels, columns=4), sheet, overwrite=True, metadata=made_by)
    if history:
        plots.curves_plot(history, ["pixel", "feature"], f"decoder {settings.layer}", folder / "losses.png", True)
    summary = {
        "layer": settings.layer,
        "steps": steps,
        "epochs": training.epochs_done,
        "seconds": training.seconds,
        "held_out_psnr": final["held_out_psnr"],
        "train_photos": len(train),
        "held_out_photos": len(held_out),
        "settings": settings.to_dict(),
        "history": history,
    }
    write_json(folder / "results.json", summary)
    return DecoderReport(summary, weights, sheet)
