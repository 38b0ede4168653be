"""Photos and paintings on disk for the batch tests, small enough that a job takes about a second."""

from pathlib import Path

import pytest
from PIL import Image

from brushwork.image.io import save_image

from ..conftest import smooth_image

# Two levels of a few iterations at 48 px: a real transfer, in about a second on one thread.
TINY = ["--size", "48", "--scales", "0.8", "1", "--iterations", "3", "3"]


def make_folders(root: Path) -> tuple[Path, Path]:
    photos, styles = root / "photos", root / "styles"
    (photos / "trip").mkdir(parents=True)
    styles.mkdir()
    save_image(smooth_image(40, 60, seed=1), photos / "cat.png")
    save_image(smooth_image(50, 50, seed=2), photos / "trip" / "beach.jpg")
    Image.effect_noise((50, 50), 60).convert("RGB").save(styles / "noise.jpg")
    save_image(smooth_image(64, 48, seed=3), styles / "calm.png")
    return photos, styles


@pytest.fixture
def folders(tmp_path) -> tuple[Path, Path]:
    return make_folders(tmp_path)
