import pytest
import torch

from brushwork.cli.transfer import demo_image
from brushwork.encoders.efficientnet import (
    EFFICIENTNET_LAYERS,
    load_efficientnet_lite0,
    validate_efficientnet_layers,
)
from brushwork.errors import BrushworkError
from brushwork.image.io import load_image
from brushwork.image.pyramid import resize
from brushwork.imagenet import find_imagenet_class, imagenet_classes


def test_imagenet_classes_are_the_thousand_in_wordnet_order():
    classes = imagenet_classes()
    assert len(classes) == 1000 and len({wnid for wnid, _ in classes}) == 1000
    assert [wnid for wnid, _ in classes] == sorted(wnid for wnid, _ in classes)
    assert classes[281] == ("n02123045", ("tabby", "tabby cat"))


def test_class_lookup_by_name_wnid_or_index():
    assert find_imagenet_class("tabby cat") == 281
    assert find_imagenet_class("  Tabby ") == 281
    assert find_imagenet_class("n02123045") == 281
    assert find_imagenet_class("281") == 281


def test_unknown_class_suggests_close_names():
    with pytest.raises(BrushworkError) as error:
        find_imagenet_class("tabbycat")
    assert str(error.value) == (
        "no ImageNet class named 'tabbycat'; did you mean 'tabby cat', 'tabby', 'lab coat'? "
        "(see: brushwork visualize classes)"
    )


def test_unknown_layer_lists_the_valid_ones():
    with pytest.raises(BrushworkError) as error:
        validate_efficientnet_layers(["block99"])
    assert (
        str(error.value)
        == f"unknown EfficientNet-Lite0 layer 'block99'; valid layers are: {', '.join(EFFICIENTNET_LAYERS)}"
    )


@pytest.mark.integration
def test_real_network_sees_a_cat_and_gives_named_features():
    encoder = load_efficientnet_lite0()
    photo = resize(load_image(demo_image("chelsea.png")), (224, 224))
    with torch.no_grad():
        features = encoder(photo, ["block5", "head", "logits"])
    assert features["block5"].shape == (1, 80, 14, 14)
    assert features["head"].shape == (1, 1280, 7, 7)
    assert int(features["logits"].argmax()) in range(281, 286)  # the domestic cat classes
