"""The runner puts a job's images on the run's device, tells the technique that device, and hands the
picture back on the host: what every technique's entry point relies on."""

import dataclasses

import pytest
import torch

from brushwork.jobs.runner import on_device, on_host, out_of_memory_advice, run_images
from brushwork.jobs.technique import technique
from brushwork.settings import TextureSettings

SEEN: dict[str, object] = {}


def echo(images, settings, context):
    """A technique's entry point that notes where its images and its context are."""
    SEEN.update(style=images["style"].device, context=context.device)
    return torch.ones(1, 3, 2, 2, device="cpu")


def test_a_jobs_images_reach_the_technique_on_the_runs_device():
    kind = dataclasses.replace(technique("texture"), entry="tests.jobs.test_devices:echo")
    style = torch.rand(1, 3, 8, 8, device="cpu")
    result = run_images(kind, TextureSettings(), lambda: {"style": style}, device=torch.device("meta"))
    assert SEEN == {"style": torch.device("meta"), "context": torch.device("meta")}
    assert result.image.device.type == "cpu"


def test_inputs_move_whole_lists_and_maps_included():
    images = {
        "content": torch.zeros(1, 3, 2, 2, device="cpu"),
        "styles": [torch.zeros(1, 3, 2, 2, device="cpu")] * 2,
        "masks": {0: torch.zeros(1, 3, 2, 2, device="cpu")},
    }
    moved = on_device(images, torch.device("meta"))
    assert moved["content"].is_meta and all(s.is_meta for s in moved["styles"]) and moved["masks"][0].is_meta
    assert on_device(images, None) is images
    kept = [torch.zeros(1, device="cpu", requires_grad=True)]
    assert not on_host(kept)[0].requires_grad  # a stopped inversion's list, detached for saving


@pytest.mark.parametrize(
    "device, advice",
    [
        (None, "give a smaller size"),
        (torch.device("cpu"), "give a smaller size"),
        (
            torch.device("cuda", 0),
            "give a smaller size or a smaller --max-memory (it tiles within it on cuda), or --device cpu",
        ),
    ],
)
def test_running_out_of_memory_on_a_device_says_what_to_pass(device, advice):
    assert out_of_memory_advice(device) == advice


def runs_out_of_card_memory(images, settings, context):
    raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 20.00 GiB (GPU 0; 7.79 GiB total capacity)")


def test_a_card_out_of_memory_ends_in_one_line_that_says_what_to_pass():
    from brushwork.errors import BrushworkError

    kind = dataclasses.replace(technique("texture"), entry="tests.jobs.test_devices:runs_out_of_card_memory")
    with pytest.raises(BrushworkError) as refused:
        run_images(kind, TextureSettings(), lambda: {}, device=torch.device("cuda", 0))
    assert str(refused.value) == (
        "ran out of memory (CUDA out of memory. Tried to allocate 20.00 GiB (GPU 0; 7.79 GiB total capacity)); "
        "give a smaller size or a smaller --max-memory (it tiles within it on cuda), or --device cpu"
    )
