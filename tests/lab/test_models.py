import pytest
import torch
import torch.nn.functional as F

from brushwork.lab import models


def batch(n=8, seed=0):
    return torch.rand(n, 1, 28, 28, generator=torch.Generator().manual_seed(seed))


@pytest.mark.parametrize(
    "model, shape",
    [
        (models.MLPClassifier(), (8, 10)),
        (models.LeNet5(), (8, 10)),
        (models.MLPAutoencoder(), (8, 1, 28, 28)),
        (models.ConvAutoencoder("transpose"), (8, 1, 28, 28)),
        (models.ConvAutoencoder("upsample"), (8, 1, 28, 28)),
        (models.DCGANDiscriminator(), (8,)),
        (models.AAEEncoder(), (8, 10)),
    ],
)
def test_forward_shapes_from_images(model, shape):
    assert model(batch()).shape == shape


def test_forward_shapes_of_the_rest():
    assert models.LeNet5().embed(batch()).shape == (8, 84)
    generated = models.DCGANGenerator()(torch.rand(8, 100) * 2 - 1)
    assert generated.shape == (8, 1, 28, 28) and generated.abs().max() <= 1
    assert models.AAEDecoder()(torch.randn(8, 10)).shape == (8, 1, 28, 28)
    supervised = models.AAEDecoder(supervised=True)
    assert supervised(torch.randn(8, 10), torch.arange(8)).shape == (8, 1, 28, 28)
    with pytest.raises(ValueError, match="needs the class labels"):
        supervised(torch.randn(8, 10))
    assert models.AAEDiscriminator()(torch.randn(8, 10)).shape == (8,)
    assert models.TransferHead(112)(torch.randn(8, 112)).shape == (8, 10)


def test_parameter_counts_match_the_seed():
    count = lambda m: sum(p.numel() for p in m.parameters())
    assert count(models.MLPClassifier()) == 101_770  # seed 004 says so
    # Keras LeNet-5 of seed 004: 156 + 2416 + 30840 + 10164 + 850.
    assert count(models.LeNet5()) == 44_426


def few_steps(loss_fn, parameters, steps=5, lr=1e-2):
    optimizer = torch.optim.Adam(parameters, lr=lr)
    losses = []
    for _ in range(steps):
        loss = loss_fn()
        losses.append(loss.item())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return losses[0], loss_fn().item()


@pytest.mark.parametrize("make", [models.MLPClassifier, models.LeNet5])
def test_classifier_steps_lower_the_loss(make):
    torch.manual_seed(0)
    model, images, labels = make(), batch(16), torch.arange(16) % 10
    first, last = few_steps(lambda: F.cross_entropy(model(images), labels), model.parameters(), lr=3e-3)
    assert last < first


@pytest.mark.parametrize(
    "make",
    [models.MLPAutoencoder, lambda: models.ConvAutoencoder("transpose"), lambda: models.ConvAutoencoder("upsample")],
)
def test_autoencoder_steps_lower_the_loss(make):
    torch.manual_seed(0)
    model, images = make(), batch(16)
    first, last = few_steps(lambda: F.mse_loss(model(images), images), model.parameters())
    assert last < first


def test_unknown_decoder():
    with pytest.raises(ValueError, match="decoder must be one of"):
        models.ConvAutoencoder("bilinear")
