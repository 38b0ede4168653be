"""The transfer schedule: scales, and the automatic iteration counts at each size."""

import pytest

from brushwork.errors import BrushworkError
from brushwork.settings import PRESETS, TransferSettings
from brushwork.settings.transfer import AUTO_LARGE_SIZE


def test_auto_iterations_spend_fewer_at_full_size_above_the_large_size():
    default = PRESETS["default"]
    assert (default.iterations, default.init, default.scales) == (None, "auto", None)
    assert default.replace(size=AUTO_LARGE_SIZE).level_iterations() == (20, 35)
    assert default.replace(size=AUTO_LARGE_SIZE + 1).level_iterations() == (60, 20, 15)
    from_draft = default.replace(init="draft")
    assert from_draft.replace(size=AUTO_LARGE_SIZE + 1).level_iterations() == (20, 15)
    from_photo = default.replace(init="content")
    assert from_photo.replace(size=AUTO_LARGE_SIZE).level_iterations() == (60, 20, 35)
    assert from_photo.replace(size=4096).level_iterations() == (60, 20, 15)


def test_auto_starts_from_a_draft_over_two_scales_up_to_the_large_size_and_from_the_photo_over_three_above():
    default = PRESETS["default"]
    assert (default.start(), default.level_scales()) == ("draft", (0.5, 1.0))
    large = default.replace(size=AUTO_LARGE_SIZE + 1)
    assert (large.start(), large.level_scales()) == ("content", (0.25, 0.5, 1.0))
    assert default.replace(init="noise").level_scales() == (0.25, 0.5, 1.0)
    assert default.replace(scales=(0.3, 1.0)).level_scales() == (0.3, 1.0)


def test_auto_iterations_follow_the_number_of_scales_and_the_start():
    from_photo = PRESETS["default"].replace(init="content")
    assert from_photo.replace(scales=(1.0,)).level_iterations() == (60,)
    assert from_photo.replace(scales=(0.5, 1.0)).level_iterations() == (60, 35)
    assert from_photo.replace(size=2048, scales=(0.125, 0.25, 0.5, 1.0)).level_iterations() == (60, 20, 20, 15)
    from_draft = PRESETS["default"]
    assert from_draft.replace(scales=(1.0,)).level_iterations() == (35,)
    assert from_draft.replace(scales=(0.25, 0.5, 1.0)).level_iterations() == (20, 20, 35)


def test_given_iterations_are_kept_at_every_size():
    quality = PRESETS["quality"].replace(size=4096)
    assert quality.level_iterations() == (150, 30, 60)
    with pytest.raises(BrushworkError, match=r"needs one count per scale \(2 scales, 3 counts\)"):
        TransferSettings(iterations=(60, 20, 35)).validate()


def test_the_job_plan_and_the_eta_use_the_automatic_counts():
    from brushwork.jobs.job import Job
    from brushwork.jobs.technique import technique

    job = Job("transfer", PRESETS["default"].replace(size=2048), {})
    assert [n for _, n in technique("transfer").plan(job.settings, (300, 451))] == [60, 20, 15]


def test_the_command_line_takes_auto_and_gives_it_back_after_explicit_counts():
    from brushwork.cli.common import settings_from_args
    from brushwork.cli.main import build_parser

    parse = build_parser().parse_args
    quality = PRESETS["quality"]
    assert (
        settings_from_args(
            parse(["transfer", "c.png", "s.png", "-o", "o.png", "--iterations", "auto"]), quality
        ).iterations
        is None
    )
    given = settings_from_args(
        parse(["transfer", "c.png", "s.png", "-o", "o.png", "--iterations", "30", "10", "5"]), quality
    )
    assert given.level_iterations() == (30, 10, 5)
