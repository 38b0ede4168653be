import pytest
import torch

from brushwork.errors import BrushworkError
from brushwork.optim import Interrupted
from brushwork.techniques.invert import InversionSettings, invert
from tests.conftest import smooth_image

SMALL = InversionSettings(layers=("relu1_1", "relu2_1"), size=40, iterations=6, precision="float32")


def test_each_layer_is_reconstructed_and_its_loss_falls(random_encoder):
    seen = []
    photo = smooth_image(30, 40)
    outs = invert(photo, SMALL, encoder=random_encoder, callback=seen.append)
    assert [o.shape for o in outs] == [(1, 3, 30, 40)] * 2
    for level in (0, 1):
        totals = [p.total for p in seen if p.level == level]
        assert totals[-1] < totals[0]
    assert set(seen[0].losses) == {"features", "alpha", "tv"}
    # Reconstructing from relu1_1 gets closer to the photo than the noise it started from.
    noise = torch.rand((1, 3, 30, 40), generator=torch.Generator().manual_seed(SMALL.seed))
    assert (outs[0] - photo).abs().mean() < 0.5 * (noise - photo).abs().mean()


def test_regularisers_can_be_switched_off(random_encoder):
    seen = []
    invert(
        smooth_image(30, 40),
        SMALL.replace(alpha_weight=0, tv_weight=0, iterations=1),
        encoder=random_encoder,
        callback=seen.append,
    )
    assert set(seen[0].losses) == {"features"}


def test_interrupt_keeps_the_finished_layers(random_encoder):
    def stop(progress):
        if progress.level == 1 and progress.iteration == 2:
            raise KeyboardInterrupt

    with pytest.raises(Interrupted) as caught:
        invert(smooth_image(30, 40), SMALL, encoder=random_encoder, callback=stop)
    assert len(caught.value.best) == 2


@pytest.mark.parametrize(
    "change, message",
    [
        ({"layers": ()}, "layers needs at least one value"),
        ({"alpha": 0.5}, "alpha must be >= 1, not 0.5"),
        ({"tv_weight": -1.0}, "tv_weight must be >= 0, not -1"),
        ({"size": 10}, "size must be between 32 and 2048 pixels, not 10"),
    ],
)
def test_bad_settings(change, message):
    with pytest.raises(BrushworkError) as error:
        SMALL.replace(**change).validate()
    assert str(error.value) == message
