"""Every technique, run whole on the CPU under two tracers.

A tensor made in engine code without naming its device would land on the CPU while the input is on a
GPU, so each such call fails here, where there is no GPU to show it (the static check in
tests/test_architecture.py reads the source; this one sees calls made at run time, through any
namespace). And a widening to float64 anywhere but ``brushwork.float64`` would fail on a Mac, whose MPS
has no float64, so each one fails here too."""

from collections import Counter
from pathlib import Path

import pytest
import torch
from torch.overrides import TorchFunctionMode

import brushwork
from brushwork import feature_transforms
from brushwork.encoders.decoder import Decoder, load_fast_decoder
from brushwork.encoders.vgg import VGG19Encoder
from brushwork.settings import DreamSettings, InversionSettings, TextureSettings, TransferSettings
from brushwork.settings.fast import FastSettings
from brushwork.settings.visualize import FeatureVisualizationSettings
from brushwork.techniques import fast, visualize
from brushwork.techniques.dream import dream
from brushwork.techniques.invert import invert
from brushwork.techniques.texture import synthesize
from brushwork.techniques.transfer import stylize
from tests.conftest import random_vgg_weights, smooth_image

ENGINE = [Path(brushwork.__file__).parent / room for room in ("techniques", "losses", "render", "optim", "image")]
ENGINE.append(Path(brushwork.__file__).parent / "feature_transforms.py")
FLOAT64_HELPER = Path(brushwork.__file__).parent / "float64.py"
FACTORIES = {"zeros", "ones", "empty", "full", "rand", "randn", "randint", "randperm", "arange", "linspace", "eye"}
FACTORIES |= {"tensor", "as_tensor", "fftfreq", "rfftfreq"}


class DevicelessFactories(TorchFunctionMode):
    """Counts factory calls without ``device=`` by the engine line that made them."""

    def __init__(self) -> None:
        super().__init__()
        self.found: Counter[str] = Counter()

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        if getattr(func, "__name__", "") in FACTORIES and "device" not in kwargs:
            import traceback

            for frame in reversed(traceback.extract_stack()[:-1]):
                if any(frame.filename.startswith(str(room)) for room in ENGINE):
                    self.found[f"{Path(frame.filename).name}:{frame.lineno} {func.__name__}"] += 1
                    break
        return func(*args, **kwargs)


def asks_for_float64(func, args, kwargs) -> bool:
    """Whether a call converts to or makes float64: ``.double()``, ``.to(torch.float64)``, ``dtype=``."""
    name = getattr(func, "__name__", "")
    if name == "double":
        return True
    wanted = [kwargs.get("dtype"), *(args[1:] if name in {"to", "type"} else ())]
    return any(value is torch.float64 or value == "torch.DoubleTensor" for value in wanted)


class Float64Widenings(TorchFunctionMode):
    """Counts widenings to float64 by the brushwork line that made them, unless ``brushwork.float64`` did."""

    def __init__(self) -> None:
        super().__init__()
        self.found: Counter[str] = Counter()

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        if asks_for_float64(func, args, kwargs):
            import traceback

            for frame in reversed(traceback.extract_stack()[:-1]):
                if frame.filename == str(FLOAT64_HELPER):
                    break
                if any(frame.filename.startswith(str(room)) for room in ENGINE):
                    self.found[f"{Path(frame.filename).name}:{frame.lineno} {func.__name__}"] += 1
                    break
        return func(*args, **kwargs)


@pytest.fixture(scope="module")
def encoders():
    weights = random_vgg_weights()
    return {
        "avg": VGG19Encoder(weights, pooling="avg"),
        "max": VGG19Encoder(weights, pooling="max", last_layer="relu3_1"),
        "reflect": VGG19Encoder(weights, pooling="avg", last_layer="relu3_1", padding_mode="reflect"),
        "fast": VGG19Encoder(weights, pooling="max", last_layer="relu4_1"),
        "deep max": VGG19Encoder(weights, pooling="max"),
    }


def runs(encoders):
    photo, style = smooth_image(40, 56, seed=0), smooth_image(48, 48, seed=1)
    mask = torch.zeros(1, 1, 40, 56)
    mask[..., :20, :] = 1.0
    small = {"size": 40, "scales": (0.8, 1.0), "iterations": (2, 2), "precision": "float32"}
    return {
        "transfer, w2, masks, noise": lambda: stylize(
            photo, [style, style], TransferSettings(**small, init="noise"), masks={0: mask}, encoder=encoders["avg"]
        ),
        "transfer, sliced": lambda: stylize(
            photo, [style], TransferSettings(**small, init="content", style_loss="sliced"), encoder=encoders["avg"]
        ),
        "transfer, tiled": lambda: stylize(
            photo, [style], TransferSettings(**small, init="content", tile=24), encoder=encoders["avg"]
        ),
        # The shipped decoder is read once per process (outside the engine), as a worker does before its jobs.
        "transfer from a draft": lambda: (
            load_fast_decoder(),
            stylize(photo, [style], TransferSettings(**small, init="draft"), encoder=encoders["deep max"]),
        ),
        "texture": lambda: synthesize(
            style,
            TextureSettings(
                size=(40, 40),
                style_layers=("relu1_1", "relu2_1", "relu3_1"),
                iterations=(2, 2),
                scales=(0.8, 1.0),
                precision="float32",
            ),
            encoder=encoders["reflect"],
        ),
        "dream, guided": lambda: dream(
            photo,
            DreamSettings(layer="relu3_1", octaves=2, iterations=2, precision="float32"),
            guide=style,
            encoder=encoders["max"],
        ),
        "invert": lambda: invert(
            photo, InversionSettings(layers=("relu2_1",), size=40, iterations=2), encoder=encoders["avg"]
        ),
        "fast, masks, histogram colours": lambda: fast.paint(
            photo,
            [style, style],
            FastSettings(size=64, precision="float32", preserve_colors="histogram"),
            masks={1: mask},
            encoder=encoders["fast"],
            decoder=Decoder("relu4_1", width=0.05),
        ),
        "every feature transform, unequal counts": lambda: [
            feature_transforms.transform(
                torch.rand(30, 4, device="cpu"),
                feature_transforms.blend(
                    [feature_transforms.Statistics.of(torch.rand(n, 4, device="cpu")) for n in (20, 50)], [1.0, 2.0]
                ),
                kind,
            )
            for kind in feature_transforms.FEATURE_TRANSFORMS
        ],
        "visualize": lambda: visualize.visualize_channel(
            "relu2_1", 3, FeatureVisualizationSettings(size=40, iterations=2, batch=2), encoder=encoders["max"]
        ),
    }


def test_no_technique_makes_a_tensor_without_naming_its_device(encoders):
    tracer = DevicelessFactories()
    with tracer:
        for run in runs(encoders).values():
            run()
    assert dict(tracer.found) == {}


def test_the_tracer_sees_such_a_call():
    tracer = DevicelessFactories()
    with tracer:
        from brushwork.image import color

        color.rgb_to_yiq(torch.rand(1, 3, 4, 4, device="cpu"))  # a clean call: nothing to see
        before = dict(tracer.found)
        exec(compile("torch.zeros(3)", str(ENGINE[0] / "made_up.py"), "exec"), {"torch": torch})
    assert before == {} and list(tracer.found) == ["made_up.py:1 zeros"]


def test_no_technique_widens_to_float64_outside_the_helper(encoders):
    tracer = Float64Widenings()
    with tracer:
        for run in runs(encoders).values():
            run()
        # Colour preservation by histogram, and the Gram loss read in tiles, widen too.
        photo, style = smooth_image(40, 56, seed=0), smooth_image(48, 48, seed=1)
        small = {"size": 40, "scales": (1.0,), "iterations": (2,), "precision": "float32", "init": "content"}
        stylize(photo, [style], TransferSettings(**small, preserve_colors="histogram"), encoder=encoders["avg"])
        stylize(photo, [style], TransferSettings(**small, style_loss="gram", tile=24), encoder=encoders["avg"])
    assert dict(tracer.found) == {}


def test_the_float64_tracer_sees_a_widening_outside_the_helper():
    tracer = Float64Widenings()
    with tracer:
        from brushwork.float64 import wide

        wide(torch.ones(2, device="cpu"))  # through the helper: nothing to see
        before = dict(tracer.found)
        code = "x = torch.ones(2, device='cpu'); x.double(); x.to(torch.float64); torch.zeros(1, dtype=torch.float64)"
        exec(compile(code, str(ENGINE[1] / "made_up.py"), "exec"), {"torch": torch})
    assert before == {} and sorted(tracer.found) == ["made_up.py:1 double", "made_up.py:1 to", "made_up.py:1 zeros"]
