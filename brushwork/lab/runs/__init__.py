"""The lab's runs as a Python API: train, evaluate, and write the reports and pictures into a folder.

Each run takes its settings, an output folder and a ``Reporter`` (the CLI's draws progress bars;
the default says nothing) and returns what it found. Every file goes through ``brushwork.files``
(atomic, never over an existing file unless asked); a folder's outputs are checked before any work.
One module per experiment; this package names them all.
"""

from .adversarial import AAEReport, aae, aae_transfer_style, digit_from_file
from .classification import ClassifyReport, classifier_outputs, classify
from .common import QUIET, Reporter, prepare_folder, write_json
from .generation import DCGANReport, dcgan
from .reconstruction import AutoencoderReport, autoencoders

__all__ = [
    "QUIET",
    "AAEReport",
    "AutoencoderReport",
    "ClassifyReport",
    "DCGANReport",
    "Reporter",
    "aae",
    "aae_transfer_style",
    "autoencoders",
    "classifier_outputs",
    "classify",
    "dcgan",
    "digit_from_file",
    "prepare_folder",
    "write_json",
]
