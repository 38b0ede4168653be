"""The ETA: iterations cost in proportion to their level's pixels, at the rate this run has shown."""

import pytest

from brushwork.cli.common import format_duration
from brushwork.jobs import Job
from brushwork.jobs.eta import Eta
from brushwork.jobs.technique import technique
from brushwork.settings import TextureSettings, TransferSettings


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def eta_with_clock(plan):
    eta, clock = Eta(plan), Clock()
    eta.clock = clock
    return eta, clock


def test_the_rest_is_priced_by_pixels_at_the_measured_rate():
    # Level 0: 10 iterations of 100 pixels; level 1: 10 iterations of 400 pixels (5000 in all).
    eta, clock = eta_with_clock([((10, 10), 10), ((20, 20), 10)])
    assert eta.seconds_left(0, 1) is None  # no rate yet
    clock.now += 9.0  # nine more iterations of level 0: 900 pixel-iterations in 9 s
    assert eta.seconds_left(0, 10) == pytest.approx((5000 - 1000) / 100)
    clock.now += 1.0
    assert eta.seconds_left(1, 10) == 0.0


def test_a_resumed_run_counts_only_what_it_did_itself():
    eta, clock = eta_with_clock([((10, 10), 10), ((20, 20), 10)])
    eta.seconds_left(1, 1)  # the run starts in level 1 (level 0 was kept)
    clock.now += 2.0  # one level-1 iteration: 400 pixel-iterations in 2 s
    assert eta.seconds_left(1, 2) == pytest.approx((5000 - 1800) / 200)


def test_the_plan_comes_from_the_settings_and_the_photo():
    transfer = Job("transfer", TransferSettings(size=128, iterations=(6, 7)), {"content": "a", "styles": ["b"]})
    assert technique("transfer").plan(transfer.settings, (300, 451)) == [((43, 64), 6), ((85, 128), 7)]
    texture = Job("texture", TextureSettings(size=(64, 96), iterations=(1, 2, 3)), {"style": "a"})
    assert technique("texture").plan(texture.settings, None)[-1] == ((64, 96), 3)


def test_the_bar_moves_the_eta_within_a_tiled_iteration():
    from brushwork.cli.common import ProgressBar
    from brushwork.techniques.progress import TileProgress

    eta, clock = eta_with_clock([((10, 10), 10), ((20, 20), 10)])
    bar = ProgressBar(eta=eta)
    shown = []
    level = {"level": 1, "levels": 2, "size": (20, 20), "iterations": 10}
    bar.tile(TileProgress(**level, tile=1, tiles=8))  # the clock starts here, 1/8 into level 1's first iteration
    clock.now += 3.0  # half an iteration more: 200 pixel-iterations in 3 s
    bar.bar.set_postfix = lambda postfix, refresh: shown.append(postfix)
    bar.tile(TileProgress(**level, tile=5, tiles=8))
    left = (5000 - 1000 - 400 * 5 / 8) / (200 / 3)
    assert shown[-1] == {"tile": "5/8", "all levels left": format_duration(left)}
    bar.close()
