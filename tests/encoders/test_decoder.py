"""Decoders on random tiny weights: the shapes they give back, and their weight files."""

from pathlib import Path

import pytest
import torch

from brushwork.encoders.decoder import DECODER_LAYERS, Decoder, read_decoder, save_decoder
from brushwork.errors import BrushworkError
from brushwork.layers import layer_channels, vgg19_stride


@pytest.mark.parametrize("layer", DECODER_LAYERS)
def test_a_decoder_gives_back_an_image_at_its_layers_stride(layer):
    decoder = Decoder(layer, width=0.125)
    stride = vgg19_stride(layer)
    features = torch.rand(2, layer_channels(layer), 5, 7, device="cpu")
    assert decoder(features).shape == (2, 3, 5 * stride, 7 * stride)
    # No transposed convolution anywhere: upsampling then a convolution, which paints no checkerboard.
    assert not any(isinstance(module, torch.nn.ConvTranspose2d) for module in decoder.modules())


def test_saved_weights_come_back_in_float32_with_their_layer_and_width(tmp_path):
    decoder = Decoder("relu2_1", width=0.25)
    path = tmp_path / "relu2_1.safetensors"
    save_decoder(decoder, path, {"steps": "3"})
    again = read_decoder(path)
    assert (again.layer, again.width) == ("relu2_1", 0.25)
    features = torch.rand(1, 128, 4, 4, device="cpu")
    for key, value in decoder.state_dict().items():
        assert torch.equal(again.state_dict()[key], value.half().float())
    assert torch.allclose(again(features), decoder(features), atol=0.05)
    assert not any(p.requires_grad for p in again.parameters())


def test_damaged_or_unknown_weights_are_one_line(tmp_path):
    path = tmp_path / "relu4_1.safetensors"
    path.write_bytes(b"not a safetensors file")
    with pytest.raises(BrushworkError, match=r"^cannot read decoder weight file"):
        read_decoder(path)
    with pytest.raises(BrushworkError, match="checksum mismatch"):
        read_decoder(path, sha256="0" * 64)
    with pytest.raises(BrushworkError, match=r"^no decoder for 'relu5_1'"):
        Decoder("relu5_1")


@pytest.mark.integration
def test_the_shipped_decoder_is_the_one_the_card_describes_and_reconstructs_as_recorded():
    """The shipped weights' hash, and the first held-out photo through VGG19 and the decoder in float32 at
    the PSNR the model card records for it (the photo set from scripts/install --test)."""
    import json

    from brushwork.encoders.decoder import FAST_DECODER, FAST_DECODER_SHA256, load_fast_decoder
    from brushwork.encoders.packaged import sha256_of
    from brushwork.encoders.vgg import load_vgg19
    from brushwork.lab.decoders import DECODER_POOLING, held_out_scores, load_photos
    from brushwork.lab.photos import default_photo_dir, read_manifest

    assert FAST_DECODER_SHA256 is not None and sha256_of(FAST_DECODER) == FAST_DECODER_SHA256
    card = json.loads(FAST_DECODER.with_suffix(".json").read_text())
    decoder = load_fast_decoder()
    assert (decoder.layer, decoder.width) == (card["layer"], card["width"])
    first = card["held_out"][0]
    folder = default_photo_dir()
    entry = next(e for e in read_manifest(folder / "photos.json") if e.sha256 == first["sha256"])
    photo = load_photos(folder, "held-out", card["held_out_side"], [entry])
    encoder = load_vgg19([card["layer"]], DECODER_POOLING)
    (score,) = held_out_scores(decoder, encoder, photo, card["layer"])
    assert score >= first["psnr"] - 0.01
    assert score > 15.0  # a reconstruction, not noise


@pytest.mark.integration
def test_the_photo_set_assembles_to_the_committed_manifest():
    import json

    from brushwork.lab.photos import default_photo_dir

    committed = json.loads((Path(__file__).resolve().parents[2] / "brushwork/assets/decoders/photos.json").read_text())
    assembled = json.loads((default_photo_dir() / "photos.json").read_text())
    assert assembled == committed
