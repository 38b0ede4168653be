import math

import numpy as np
import torch

from brushwork.lab import adversarial as aae
from brushwork.lab import gan
from brushwork.lab.data import Dataset
from brushwork.lab.training import epoch_batches

from .fixtures import class_images


def tiny_dataset(n_train=64, n_test=20):
    train_labels, test_labels = np.arange(n_train) % 10, np.arange(n_test) % 10
    return Dataset(
        "tiny",
        class_images(train_labels, 1),
        train_labels,
        class_images(test_labels, 2),
        test_labels,
        tuple("0123456789"),
    )


def test_discriminator_loss_closed_form():
    real, fake = torch.tensor([2.0, -1.0]), torch.tensor([0.5, -3.0])
    sig = torch.sigmoid
    expected = 0.5 * (-(torch.log(sig(real))).mean() - torch.log(1 - sig(fake)).mean())
    assert torch.allclose(gan.discriminator_loss(real, fake), expected)
    assert torch.allclose(gan.generator_loss(fake), -torch.log(sig(fake)).mean())
    expected_aae = -(torch.log(sig(real)).mean() + torch.log(1 - sig(fake)).mean())
    assert torch.allclose(aae.discriminator_loss(real, fake), expected_aae)


def test_discriminator_loss_behaves():
    # Perfect separation costs ~0; a coin flip costs log 2; confusing real and fake costs most.
    confident, unsure = torch.full((4,), 10.0), torch.zeros(4)
    assert gan.discriminator_loss(confident, -confident) < 1e-4
    assert math.isclose(gan.discriminator_loss(unsure, unsure).item(), math.log(2), rel_tol=1e-6)
    assert gan.discriminator_loss(-confident, confident) > 9
    # The generator's loss is low exactly when the discriminator calls its fakes real.
    assert gan.generator_loss(confident) < gan.generator_loss(unsure) < gan.generator_loss(-confident)


def test_dcgan_discriminator_learns_real_from_fake():
    torch.manual_seed(0)
    experiment = gan.DCGANExperiment(tiny_dataset(), gan.GANSettings(learning_rate=1e-3))
    real = experiment.real[:32]
    with torch.no_grad():
        fake = experiment.generator(experiment.noise(32))
    d, optimizer = experiment.discriminator, experiment.optimizers["discriminator"]
    loss = lambda: gan.discriminator_loss(d(real), d(fake))
    before = loss().item()
    for _ in range(5):
        optimizer.zero_grad()
        loss().backward()
        optimizer.step()
    assert loss().item() < before
    with torch.no_grad():
        assert d(real).sigmoid().mean() > 0.5 > d(fake).sigmoid().mean()


def test_a_training_step_reports_both_losses():
    torch.manual_seed(0)
    experiment = gan.DCGANExperiment(tiny_dataset(), gan.GANSettings())
    before = [p.clone() for p in experiment.generator.parameters()]
    losses = experiment.train_step(torch.arange(16))
    assert set(losses) == {"d_loss", "g_loss"} and all(math.isfinite(v) for v in losses.values())
    assert any(not torch.equal(a, b) for a, b in zip(before, experiment.generator.parameters()))


def test_dcgan_generator_step_lowers_its_loss_against_a_fixed_discriminator():
    torch.manual_seed(0)
    experiment = gan.DCGANExperiment(tiny_dataset(), gan.GANSettings(learning_rate=1e-3))
    noise = experiment.noise(16)
    loss = lambda: gan.generator_loss(experiment.discriminator(experiment.generator(noise)))
    before = loss().item()
    optimizer = experiment.optimizers["generator"]
    for _ in range(5):
        optimizer.zero_grad()
        loss().backward()
        optimizer.step()
    assert loss().item() < before


def test_samples_are_images_in_unit_range():
    experiment = gan.DCGANExperiment(tiny_dataset(), gan.GANSettings(grid_samples=9))
    samples = experiment.sample(experiment.grid_noise)
    assert samples.shape == (9, 1, 28, 28) and 0 <= samples.min() and samples.max() <= 1


def test_aae_steps_lower_reconstruction_and_discriminator_loss():
    torch.manual_seed(0)
    experiment = aae.AAEExperiment(tiny_dataset(), aae.AAESettings(supervised=True))
    index = torch.arange(64)
    first = experiment.train_step(index)
    for _ in range(10):
        last = experiment.train_step(index)
    assert last["reconstruction"] < first["reconstruction"]
    assert last["d_loss"] < first["d_loss"]


def test_supervised_aae_renders_one_style_in_every_class():
    torch.manual_seed(0)
    experiment = aae.AAEExperiment(tiny_dataset(), aae.AAESettings(supervised=True))
    rendered = aae.transfer_style(experiment, experiment.test_images[:1], [3, 7, 1])
    assert rendered.shape == (3, 1, 28, 28)
    assert not torch.equal(rendered[0], rendered[1])  # the class changes the picture
    grid = aae.style_grid_codes(experiment, experiment.test_images[:2])
    assert grid.shape == (20, 1, 28, 28)
    # Row 0 is digit 0's style in classes 0-9; its column 3 equals transfer_style(digit 0, [3]).
    assert torch.allclose(grid[3], aae.transfer_style(experiment, experiment.test_images[:1], [3])[0])


def test_class_confusion_loss_closed_form():
    # Uniform predictions cost log(10), its least; a confident prediction costs more.
    assert torch.allclose(aae.class_confusion_loss(torch.zeros(4, 10)), torch.tensor(math.log(10)))
    peaked = torch.tensor([[5.0] + [0.0] * 9])
    expected = -torch.log_softmax(peaked, dim=1).mean()
    assert torch.allclose(aae.class_confusion_loss(peaked), expected) and expected > math.log(10)


def test_supervised_aae_trains_its_class_critic_and_the_encoder_against_it():
    torch.manual_seed(0)
    experiment = aae.AAEExperiment(tiny_dataset(), aae.AAESettings(supervised=True))
    assert "class_critic" in experiment.modules and "class_critic" in experiment.optimizers
    critic = [p.detach().clone() for p in experiment.class_critic.parameters()]
    encoder = [p.detach().clone() for p in experiment.encoder.parameters()]
    losses = experiment.train_step(torch.arange(64))
    assert losses["critic_loss"] > 0
    assert all(not torch.equal(a, b) for a, b in zip(critic, experiment.class_critic.parameters()))
    assert any(not torch.equal(a, b) for a, b in zip(encoder, experiment.encoder.parameters()))
    # The unsupervised form has no critic: its codes are meant to hold the class.
    unsupervised = aae.AAEExperiment(tiny_dataset(), aae.AAESettings(supervised=False))
    assert "class_critic" not in unsupervised.modules and "critic_loss" not in unsupervised.train_step(torch.arange(64))


def test_epoch_batches_cover_everything_reproducibly():
    a, b = epoch_batches(10, 4, seed=0, epoch=1), epoch_batches(10, 4, seed=0, epoch=1)
    assert [len(x) for x in a] == [4, 4, 2]
    assert sorted(torch.cat(a).tolist()) == list(range(10))
    assert all(torch.equal(x, y) for x, y in zip(a, b))
    assert not torch.equal(torch.cat(a), torch.cat(epoch_batches(10, 4, seed=0, epoch=2)))
