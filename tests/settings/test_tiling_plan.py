"""Which levels run in tiles: those larger than --tile, or whose whole pass would not fit the budget."""

import pytest

from brushwork import memory
from brushwork.errors import BrushworkError
from brushwork.settings import TransferSettings
from brushwork.settings.common import plan_tiles

SIZES = [(256, 384), (512, 768), (1366, 2048)]
LAYERS = [["relu4_2", "relu1_1", "relu5_1"], ["relu4_2", "relu1_1", "relu5_1"], ["relu3_1", "relu1_1"]]
ITERATIONS = [150, 30, 30]


def test_with_room_to_spare_nothing_is_tiled():
    assert plan_tiles(TransferSettings(size=2048, max_memory=1000.0), SIZES, LAYERS, ITERATIONS) == [None] * 3


def test_a_budget_tiles_only_the_level_that_needs_it_with_the_largest_tile_that_fits():
    budget_gb = 6.0
    plan = plan_tiles(TransferSettings(size=2048, max_memory=budget_gb), SIZES, LAYERS, ITERATIONS)
    assert plan[:2] == [None, None] and plan[2] is not None
    room = int(budget_gb * 1e9) - memory.BASELINE_BYTES - memory.image_bytes(1366, 2048, 30)
    assert memory.tiled_bytes(1366, 2048, LAYERS[2], plan[2]) <= room
    assert memory.tiled_bytes(1366, 2048, LAYERS[2], plan[2] + 4) > room  # the next larger tile would not fit


def test_tile_tiles_every_level_larger_than_it():
    assert plan_tiles(TransferSettings(size=2048, tile=400, max_memory=1000.0), SIZES, LAYERS, ITERATIONS) == [
        None,
        400,
        400,
    ]


def test_a_budget_too_small_for_the_image_itself_is_refused_in_one_line():
    with pytest.raises(BrushworkError) as refused:
        plan_tiles(TransferSettings(size=2048, max_memory=0.7), SIZES, LAYERS, ITERATIONS)
    held = memory.image_bytes(256, 384, 150) / 1e9
    assert str(refused.value) == (
        f"at size 2048 the image alone needs about {held:.1f} GB and the budget is 0.1 GB: "
        "give a smaller size or more memory"
    )


def test_a_batch_workers_memory_share_scales_what_it_may_plan_with(monkeypatch):
    from brushwork import memory

    monkeypatch.delenv(memory.MEMORY_SHARE_ENV_VAR, raising=False)
    whole = memory.available_bytes()
    assert whole is not None
    monkeypatch.setenv(memory.MEMORY_SHARE_ENV_VAR, "0.25")
    quarter = memory.available_bytes()
    assert quarter is not None and abs(quarter - whole / 4) < 0.05 * whole  # MemAvailable moves a little
    for nonsense in ("0", "-1", "2", "lots"):
        monkeypatch.setenv(memory.MEMORY_SHARE_ENV_VAR, nonsense)
        assert memory.memory_share() == 1.0
