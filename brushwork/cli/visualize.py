"""``brushwork visualize``: what a network's units respond to."""

from __future__ import annotations

import sys
from pathlib import Path

import torch
from tqdm import tqdm

from ..encoders import NETWORKS, check_channels, load_vgg19
from ..encoders.efficientnet import find_imagenet_class, imagenet_classes
from ..errors import BrushworkError
from ..image.io import check_output_path, load_image
from ..image.pyramid import fit_long_edge, resize
from ..image.sheet import captioned_sheet, grid
from ..techniques import visualize as vis
from .common import add_run_options, channel_list, default_help, finite_float, positive_int, run_and_save, settings_changes

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".tif", ".tiff", ".bmp", ".gif")
CHANNEL_DEFAULTS = vis.FeatureVisualizationSettings()


def register(commands) -> None:
    p = commands.add_parser("visualize", help="see what a network responds to (filters, top-9 patches, ...)")
    kinds = p.add_subparsers(dest="kind", required=True, metavar="KIND")

    f = kinds.add_parser("filters", help="the first layer's filters as an image grid")
    f.add_argument("--layer", default="conv1_1", help="(default: conv1_1, the only layer whose filters are RGB)")
    add_run_options(f)
    f.set_defaults(run=run_filters)

    t = kinds.add_parser("top9", help="for each channel, the 9 most-activating image patches and their deconvnet projections")
    t.add_argument("--layer", required=True, help="VGG19 layer, e.g. relu4_1")
    t.add_argument("--channels", type=channel_list, required=True, metavar="LIST", help="e.g. 0-15,20")
    t.add_argument("--images", type=Path, required=True, metavar="DIR", help="folder of images to search")
    t.add_argument("--image-size", type=positive_int, default=224, help="long edge the images are resized to (default: 224)")
    add_run_options(t)
    t.set_defaults(run=run_top9)

    c = kinds.add_parser("channel", help="an image that excites one channel (activation maximisation)")
    c.add_argument("--layer", required=True)
    c.add_argument("--channel", type=int, required=True)
    c.add_argument("--network", choices=NETWORKS, help=default_help(CHANNEL_DEFAULTS, "network"))
    _add_render_options(c, CHANNEL_DEFAULTS)
    c.set_defaults(run=run_channel)

    k = kinds.add_parser("class", help="images EfficientNet-Lite0 takes for an ImageNet class")
    k.add_argument("name", help='ImageNet class name, e.g. "tabby cat" (see: brushwork visualize classes)')
    _add_render_options(k, vis.CLASS_DEFAULTS)
    k.set_defaults(run=run_class)

    n = kinds.add_parser("classes", help="list the ImageNet class names")
    n.set_defaults(run=run_classes)


def _add_render_options(p, defaults) -> None:
    p.add_argument("--size", type=positive_int, help=default_help(defaults, "size"))
    p.add_argument("--batch", type=positive_int, help=default_help(defaults, "batch", "images from different seeds"))
    p.add_argument("--iterations", type=positive_int, help=default_help(defaults, "iterations"))
    p.add_argument("--lr", type=finite_float, help=default_help(defaults, "lr"))
    p.add_argument("--jitter", type=int, help=default_help(defaults, "jitter"))
    p.add_argument("--seed", type=int, help=default_help(defaults, "seed"))
    add_run_options(p)


def _render_settings(args, defaults) -> vis.FeatureVisualizationSettings:
    settings = defaults.replace(
        **settings_changes(args, ("network", "size", "batch", "iterations", "lr", "jitter", "seed"))
    )
    settings.validate()
    return settings


def _side_by_side(batch: torch.Tensor) -> torch.Tensor:
    return grid(list(batch.split(1)), columns=batch.shape[0], gap=4)


def run_filters(args) -> int:
    check_output_path(args.output, args.overwrite)
    encoder = load_vgg19(["conv1_1"])
    return run_and_save(lambda callback: vis.filter_grid(encoder, args.layer), args)


def _load_folder(folder: Path, long_edge: int) -> list[torch.Tensor]:
    if not folder.is_dir():
        raise BrushworkError(f"{folder}: not a directory")
    paths = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES and not p.name.startswith("."))
    if not paths:
        raise BrushworkError(f"{folder}: no images found (looked for {', '.join(IMAGE_SUFFIXES)})")
    images = []
    for path in paths:
        image = load_image(path)
        images.append(resize(image, fit_long_edge(*image.shape[-2:], long_edge)))
    return images


def run_top9(args) -> int:
    check_output_path(args.output, args.overwrite)
    check_channels("vgg19", args.layer, args.channels)
    encoder = load_vgg19([args.layer], pooling="max")  # the deconvnet needs max-pooling switches
    images = _load_folder(args.images, args.image_size)

    def work(callback):
        with tqdm(total=len(images), desc=f"searching {len(images)} images", unit="image", disable=args.quiet) as bar:
            panels = vis.top9_sheet(images, encoder, args.layer, args.channels, progress=lambda n: bar.update(1))
        return captioned_sheet(panels, columns=min(4, len(panels)))

    return run_and_save(work, args)


def run_channel(args) -> int:
    check_output_path(args.output, args.overwrite)
    settings = _render_settings(args, CHANNEL_DEFAULTS)
    return run_and_save(
        lambda callback: vis.visualize_channel(args.layer, args.channel, settings, callback=callback),
        args, picture=_side_by_side,
    )


def run_class(args) -> int:
    check_output_path(args.output, args.overwrite)
    class_index = find_imagenet_class(args.name)
    settings = _render_settings(args, vis.CLASS_DEFAULTS)
    return run_and_save(
        lambda callback: vis.visualize_class(class_index, settings, callback=callback), args, picture=_side_by_side
    )


def run_classes(args) -> int:
    for index, (wnid, names) in enumerate(imagenet_classes()):
        sys.stdout.write(f"{index}\t{wnid}\t{', '.join(names)}\n")
    return 0
