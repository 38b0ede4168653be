"""``brushwork visualize``: what a network's units respond to."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..constants import IMAGE_SUFFIXES
from ..errors import BrushworkError
from ..jobs import Job
from ..layers import check_channels
from ..settings.visualize import CLASS_DEFAULTS, ChannelSettings
from ..settings.words import channel_list
from .bars import Bar
from .common import (
    add_run_options,
    check_output,
    positive_int,
    run_and_save,
    run_device,
    run_job_and_save,
    saving_with_record,
    settings_from_args,
)
from .options import add_settings_options, word

if TYPE_CHECKING:
    from ..jobs.runner import Picture

CHANNEL_DEFAULTS = ChannelSettings()


def register(commands: Any) -> None:
    p = commands.add_parser("visualize", help="see what a network responds to (filters, top-9 patches, ...)")
    kinds = p.add_subparsers(dest="kind", required=True, metavar="KIND")

    f = kinds.add_parser("filters", help="the first layer's filters as an image grid")
    f.add_argument("--layer", default="conv1_1", help="(default: conv1_1, the only layer whose filters are RGB)")
    add_run_options(f)
    f.set_defaults(run=run_filters)

    t = kinds.add_parser(
        "top9", help="for each channel, the 9 most-activating image patches and their deconvnet projections"
    )
    t.add_argument("--layer", required=True, help="VGG19 layer, e.g. relu4_1")
    t.add_argument("--channels", type=word(channel_list), required=True, metavar="LIST", help="e.g. 0-15,20")
    t.add_argument("--images", type=Path, required=True, metavar="DIR", help="folder of images to search")
    t.add_argument(
        "--image-size", type=positive_int, default=224, help="long edge the images are resized to (default: 224)"
    )
    add_run_options(t)
    t.set_defaults(run=run_top9)

    c = kinds.add_parser("channel", help="an image that excites one channel (activation maximisation)")
    c.add_argument("--layer", required=True)
    c.add_argument("--channel", type=int, required=True)
    add_settings_options(c, CHANNEL_DEFAULTS)
    add_run_options(c)
    c.set_defaults(run=run_channel)

    k = kinds.add_parser("class", help="images EfficientNet-Lite0 takes for an ImageNet class")
    k.add_argument("name", help='ImageNet class name, e.g. "tabby cat" (see: brushwork visualize classes)')
    add_settings_options(k, CLASS_DEFAULTS)
    add_run_options(k)
    k.set_defaults(run=run_class)

    n = kinds.add_parser("classes", help="list the ImageNet class names")
    n.set_defaults(run=run_classes)


def run_filters(args: argparse.Namespace) -> int:
    from ..encoders import load_vgg19
    from ..techniques.visualize import check_filter_layer, filter_grid

    check_output(args)
    check_filter_layer(args.layer)  # before the weights load
    encoder = load_vgg19(["conv1_1"], device=run_device(args))
    save = saving_with_record(args, "visualize-filters", {"layer": args.layer})
    return run_and_save(lambda callback: filter_grid(encoder, args.layer), args, save=save)


def _image_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        raise BrushworkError(f"{folder}: not a directory")
    paths = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES and not p.name.startswith("."))
    if not paths:
        raise BrushworkError(f"{folder}: no images found (looked for {', '.join(IMAGE_SUFFIXES)})")
    return paths


def run_top9(args: argparse.Namespace) -> int:

    from ..encoders import load_vgg19
    from ..geometry import at_least
    from ..image.io import load_image
    from ..image.pyramid import fit_long_edge, resize
    from ..image.sheet import captioned_sheet
    from ..layers import vgg19_min_side
    from ..techniques.visualize import top9_sheet

    check_output(args)
    check_channels("vgg19", args.layer, args.channels)
    paths = _image_files(args.images)  # before the weights load: a wrong folder is told at once
    device = run_device(args)
    images = []
    for path in paths:
        image = load_image(path).to(device)
        read_at = fit_long_edge(image.shape[-2], image.shape[-1], args.image_size)
        images.append(resize(image, at_least(*read_at, vgg19_min_side([args.layer]))))
    # The deconvnet needs max-pooling switches.
    encoder = load_vgg19([args.layer], pooling="max", device=device)

    def work(callback: Any) -> Picture:
        searching = Bar()
        label = f"searching {len(images)} images"
        bar = searching.open(total=len(images), desc=label, unit="image", disable=args.quiet)

        def searched(done: int) -> None:
            bar.update()

        try:
            panels = top9_sheet(images, encoder, args.layer, args.channels, progress=searched)
        finally:
            searching.close()
        return captioned_sheet(panels, columns=min(4, len(panels)))

    options = {"layer": args.layer, "channels": list(args.channels), "image_size": args.image_size}
    save = saving_with_record(args, "visualize-top9", options, {"images": [p.name for p in paths]})
    return run_and_save(work, args, save=save)


def run_channel(args: argparse.Namespace) -> int:
    settings = settings_from_args(args, CHANNEL_DEFAULTS).replace(layer=args.layer, channel=args.channel)
    job = Job("visualize-channel", settings, {})
    check_output(args, job)
    return run_job_and_save(job, args)


def run_class(args: argparse.Namespace) -> int:
    from ..imagenet import find_imagenet_class

    find_imagenet_class(args.name)  # an unknown name is refused before any work, with the nearest names
    job = Job("visualize-class", settings_from_args(args, CLASS_DEFAULTS).replace(class_name=args.name), {})
    check_output(args, job)
    return run_job_and_save(job, args)


def run_classes(args: argparse.Namespace) -> int:
    from ..imagenet import imagenet_classes

    for index, (wnid, names) in enumerate(imagenet_classes()):
        sys.stdout.write(f"{index}\t{wnid}\t{', '.join(names)}\n")
    return 0
