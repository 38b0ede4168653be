"""Which levels run in tiles (those larger than --tile, or whose whole pass would not fit the budget) and
with how much L-BFGS history."""

import pytest

from brushwork import memory
from brushwork.errors import BrushworkError
from brushwork.settings import TransferSettings
from brushwork.techniques.planning import LevelPlan, plan_levels

SIZES = [(256, 384), (512, 768), (1366, 2048)]
LAYERS = [["relu4_2", "relu1_1", "relu5_1"], ["relu4_2", "relu1_1", "relu5_1"], ["relu3_1", "relu1_1"]]
ITERATIONS = [150, 30, 30]


def test_with_room_to_spare_nothing_is_tiled_and_l_bfgs_keeps_its_history():
    plan = plan_levels(TransferSettings(size=2048, max_memory=1000.0), SIZES, LAYERS, ITERATIONS)
    assert plan == [LevelPlan(None, 50), LevelPlan(None, 30), LevelPlan(None, 30)]


def test_a_budget_tiles_only_the_level_that_needs_it_with_the_largest_tile_that_fits():
    budget_gb = 6.0
    plan = plan_levels(TransferSettings(size=2048, max_memory=budget_gb), SIZES, LAYERS, ITERATIONS)
    assert [p.tile for p in plan[:2]] == [None, None] and plan[2].tile is not None
    assert plan[2].tile >= memory.PREFERRED_TILE and plan[2].history == 30  # room enough: the full history
    room = int(budget_gb * 1e9) - memory.BASELINE_BYTES - memory.image_bytes(1366, 2048, 30)
    assert memory.tiled_bytes(1366, 2048, LAYERS[2], plan[2].tile) <= room
    assert memory.tiled_bytes(1366, 2048, LAYERS[2], plan[2].tile + 4) > room  # the next larger tile would not fit


def test_a_tight_budget_shortens_the_history_before_the_tiles_get_small():
    budget = int(3.0 * 1e9) - memory.BASELINE_BYTES
    plan = plan_levels(TransferSettings(size=2048, max_memory=3.0), SIZES, LAYERS, ITERATIONS)[2]
    # Beside 30 pairs the largest tile would be under PREFERRED_TILE; with the history cut it is not.
    full_room = budget - memory.image_bytes(1366, 2048, 30)
    assert memory.tiled_bytes(1366, 2048, LAYERS[2], memory.PREFERRED_TILE) > full_room
    assert memory.MIN_LBFGS_HISTORY <= plan.history < 30 and plan.tile is not None
    assert plan.tile >= memory.PREFERRED_TILE
    held = memory.image_bytes(1366, 2048, 30, history=plan.history)
    assert held + memory.tiled_bytes(1366, 2048, LAYERS[2], plan.tile) <= budget
    # One pair more would leave no room for a PREFERRED_TILE tile.
    longer = memory.image_bytes(1366, 2048, 30, history=plan.history + 1)
    assert longer + memory.tiled_bytes(1366, 2048, LAYERS[2], memory.PREFERRED_TILE) > budget


def test_at_the_shortest_history_the_tiles_get_smaller():
    plan = plan_levels(TransferSettings(size=2048, max_memory=1.6), SIZES, LAYERS, ITERATIONS)[2]
    assert plan.history == memory.MIN_LBFGS_HISTORY
    assert plan.tile is not None and plan.tile < memory.PREFERRED_TILE


def test_tile_tiles_every_level_larger_than_it():
    plan = plan_levels(TransferSettings(size=2048, tile=400, max_memory=1000.0), SIZES, LAYERS, ITERATIONS)
    assert [p.tile for p in plan] == [None, 400, 400]


def test_a_budget_too_small_for_the_image_itself_is_refused_in_one_line():
    with pytest.raises(BrushworkError) as refused:
        plan_levels(TransferSettings(size=2048, max_memory=1.0), SIZES[2:], LAYERS[2:], [30])
    held = memory.image_bytes(1366, 2048, 30, history=memory.MIN_LBFGS_HISTORY) / 1e9
    assert str(refused.value) == (
        f"at size 2048 the image alone needs about {held:.1f} GB and the budget is 0.4 GB: "
        "give a smaller size or more memory"
    )


def test_a_budget_too_small_for_the_smallest_tiles_is_refused_in_one_line():
    with pytest.raises(BrushworkError) as refused:
        plan_levels(TransferSettings(size=2048, max_memory=0.7), SIZES, LAYERS, ITERATIONS)
    need = memory.image_bytes(256, 384, 150, history=memory.MIN_LBFGS_HISTORY) + memory.tiled_bytes(
        256, 384, LAYERS[0], 16
    )
    assert str(refused.value) == (
        f"at size 2048 even the smallest tiles need {need / 1e9:.1f} GB and the budget is 0.1 GB: "
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


def test_a_content_target_the_level_holds_takes_its_share_of_the_budget():
    # relu3_1 at 2048x1366: 256 channels at a quarter of each side, float32.
    assert memory.feature_map_bytes(1366, 2048, ["relu3_1"]) == 256 * 341 * 512 * 4
    maps = [["relu4_2"], ["relu4_2"], ["relu3_1"]]
    held = plan_levels(TransferSettings(size=2048, max_memory=3.0), SIZES, LAYERS, ITERATIONS, held_maps=maps)
    less = 3.0 - memory.feature_map_bytes(1366, 2048, ["relu3_1"]) / 1e9
    assert held[2] == plan_levels(TransferSettings(size=2048, max_memory=less), SIZES, LAYERS, ITERATIONS)[2]
    assert held[2] != plan_levels(TransferSettings(size=2048, max_memory=3.0), SIZES, LAYERS, ITERATIONS)[2]
