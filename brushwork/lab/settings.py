"""The lab's settings, declared once like the engine's: one base for what every training run shares.

Checkpoints store these settings; ``--resume`` with other settings is refused, except for the
number of epochs (continuing a run for longer is what resuming is for).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal, get_args

from ..constants import Precision
from ..layers import EFFICIENTNET_LAYERS
from ..settings.common import (
    precision_field,
    seed_field,
)
from ..settings.schema import Settings, setting

CLASSIFIERS = ("svm", "mlp", "lenet", "efficientnet")
AUTOENCODERS = ("mlp", "conv-transpose", "conv-upsample")
DatasetName = Literal["mnist", "fashion-mnist"]
DATASETS: tuple[DatasetName, ...] = get_args(DatasetName)
GanOptimizer = Literal["adam", "sgd"]
GAN_OPTIMIZERS: tuple[GanOptimizer, ...] = get_args(GanOptimizer)
MAX_IMAGES = 100_000_000  # a --train-limit or --test-limit past any dataset here
GanArchitecture = Literal["seed", "radford"]
GAN_ARCHITECTURES: tuple[GanArchitecture, ...] = get_args(GanArchitecture)


@dataclass(frozen=True)
class TrainingSettings(Settings):
    """What every lab training run has."""

    # Settings a resumed run may change.
    resumable_changes: ClassVar[frozenset[str]] = frozenset({"epochs"})

    epochs: int = setting(20, "epochs to train in all (a resumed run does only the ones left)", minimum=1, cap=100_000)
    batch_size: int = setting(64, "examples per training step", minimum=1, cap=1_000_000)
    learning_rate: float = setting(1e-3, "the optimiser's learning rate", minimum=0, exclusive_minimum=True, cap=10)
    seed: int = seed_field()
    train_limit: int | None = setting(
        None,
        "train on the first N training images only",
        minimum=1,
        cap=MAX_IMAGES,
        metavar="N",
        none_word="all",
        none_means="every training image",
    )
    test_limit: int | None = setting(
        None,
        "test on the first N test images only",
        minimum=1,
        cap=MAX_IMAGES,
        metavar="N",
        none_word="all",
        none_means="every test image",
    )


@dataclass(frozen=True)
class ClassifierSettings(TrainingSettings):
    """One classifier's training; the defaults per classifier (``CLASSIFIER_DEFAULTS``) are the benchmark's."""

    technique: ClassVar[str] = "lab-classify"

    svm_c: float = setting(1.0, "the SVM's regularisation C (svm only)", minimum=0, exclusive_minimum=True, cap=1e6)
    svm_max_iter: int = setting(1000, "liblinear's iteration limit (svm only)", minimum=1, cap=10_000_000)
    transfer_size: int = setting(
        96, "EfficientNet input side (efficientnet only)", minimum=32, maximum=512, unit="pixels"
    )
    transfer_layer: str = setting(
        "block11",
        "EfficientNet layer whose pooled features feed the head (efficientnet only)",
        choices=EFFICIENTNET_LAYERS[:-1],
        metavar="LAYER",
    )
    precision: Precision = precision_field("precision of the frozen network")


CLASSIFIER_DEFAULTS: dict[str, ClassifierSettings] = {
    "svm": ClassifierSettings(epochs=1),  # the SVM is fitted once; epochs do not apply
    "mlp": ClassifierSettings(epochs=30, batch_size=64),
    "lenet": ClassifierSettings(epochs=20, batch_size=64),
    "efficientnet": ClassifierSettings(epochs=20, batch_size=128),
}


@dataclass(frozen=True)
class AutoencoderSettings(TrainingSettings):
    technique: ClassVar[str] = "lab-autoencoder"

    dataset: DatasetName = setting("mnist", "the digits to learn")


@dataclass(frozen=True)
class GANSettings(TrainingSettings):
    technique: ClassVar[str] = "lab-dcgan"

    learning_rate: float = setting(2e-4, "the optimisers' learning rate", minimum=0, exclusive_minimum=True, cap=10)
    architecture: GanArchitecture = setting("seed", "seed (seed 004's networks) or radford (the DCGAN paper's)")
    generator_steps: int = setting(1, "generator updates per discriminator update", minimum=1, cap=100)
    optimizer: GanOptimizer = setting("adam", "adam (the DCGAN paper's) or sgd (the seed's)")
    quality_samples: int = setting(2000, "generated digits per quality measurement", minimum=2, cap=100_000)
    grid_samples: int = setting(100, "digits in each epoch's sample grid", minimum=1, cap=1000)


@dataclass(frozen=True)
class JudgeSettings(TrainingSettings):
    """The LeNet-5 that judges the DCGAN's samples."""

    technique: ClassVar[str] = "lab-judge"

    epochs: int = setting(10, "epochs to train the judge", minimum=1, cap=100_000)


@dataclass(frozen=True)
class AAESettings(TrainingSettings):
    technique: ClassVar[str] = "lab-aae"

    epochs: int = setting(40, "epochs to train in all (a resumed run does only the ones left)", minimum=1, cap=100_000)
    batch_size: int = setting(128, "examples per training step", minimum=1, cap=1_000_000)
    supervised: bool = setting(False, "give the decoder the class, so the code learns style")
    # Against the per-pixel reconstruction BCE (about 0.1).
    class_confusion_weight: float = setting(
        0.1, "weight of the encoder's 'leave the class critic guessing' loss (supervised only)", minimum=0, cap=1e6
    )


DecoderLayer = Literal["relu4_1", "relu3_1", "relu2_1", "relu1_1"]


@dataclass(frozen=True)
class DecoderSettings(TrainingSettings):
    """A decoder that inverts VGG19 (max pooling) at one layer, trained on random crops of the photo set.
    An epoch is ``steps`` steps; each step draws ``batch_size`` crops of ``crop`` pixels a side, each
    at a random scale of its photo (whose long side is then ``min_long_side`` to ``max_long_side``) and
    flipped at random, from the seed and the step alone: a resumed run draws the same crops."""

    technique: ClassVar[str] = "lab-decoder"
    # A long run is resumed with a lower learning rate for its last stretch.
    resumable_changes: ClassVar[frozenset[str]] = frozenset({"epochs", "learning_rate"})

    epochs: int = setting(12, "epochs to train in all (a resumed run does only the ones left)", minimum=1, cap=100_000)
    batch_size: int = setting(8, "crops per training step", minimum=1, cap=4096)
    learning_rate: float = setting(1e-3, "Adam's learning rate", minimum=0, exclusive_minimum=True, cap=10)
    layer: DecoderLayer = setting("relu4_1", "the VGG19 layer the decoder inverts")
    width: float = setting(0.5, "the decoder's width as a fraction of VGG19's", minimum=0.05, maximum=1.0)
    steps: int = setting(200, "training steps per epoch", minimum=1, cap=1_000_000)
    crop: int = setting(128, "side of the training crops", minimum=16, maximum=1024, unit="pixels")
    min_long_side: int = setting(256, "smallest scale of a photo a crop is cut from", minimum=16, cap=8192)
    max_long_side: int = setting(1024, "largest scale of a photo a crop is cut from", minimum=16, cap=8192)
    feature_weight: float = setting(
        1.0,
        "weight of the feature loss (relative to the features' own mean square) beside the pixels'",
        minimum=0,
        cap=1e6,
    )
    held_out_side: int = setting(256, "long side of the held-out photos the PSNR is measured on", minimum=32, cap=4096)
    precision: Precision = precision_field("precision of the networks during training")
