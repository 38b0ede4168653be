"""The Python API: images in as paths or PIL images, PIL images out, defaults from the engine."""

import pytest
from PIL import Image

import brushwork
from brushwork.cli.transfer import demo_image

PHOTO = demo_image("chelsea.png")
PAINTING = demo_image("starry_night.jpg")


@pytest.mark.integration
def test_transfer_and_texture(real_weights):
    seen = []
    out = brushwork.transfer(PHOTO, PAINTING, size=48, scales=(1.0,), iterations=(2,), callback=seen.append)
    assert isinstance(out, Image.Image) and max(out.size) == 48 and len(seen) == 2
    tile = brushwork.texture(Image.open(PAINTING), size=(32, 48), scales=(1.0,), iterations=(2,), tileable=True)
    assert tile.size == (48, 32)


@pytest.mark.integration
def test_invert_dream_and_channel(real_weights):
    sheets = brushwork.invert(PHOTO, layers=("relu1_1", "relu2_1"), size=40, iterations=2)
    assert list(sheets) == ["relu1_1", "relu2_1"] and max(sheets["relu1_1"].size) == 40
    dreamed = brushwork.dream(PHOTO, size=64, octaves=2, iterations=2, layer="relu3_1")
    assert max(dreamed.size) == 64
    patterns = brushwork.visualize_channel("relu2_1", 0, size=40, iterations=2, batch=2)
    assert [p.size for p in patterns] == [(40, 40), (40, 40)]
