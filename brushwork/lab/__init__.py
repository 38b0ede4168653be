"""The small-image lab: classifiers, autoencoders, a DCGAN and an adversarial autoencoder on (Fashion-)MNIST.

``brushwork.lab.classify(...)``, ``autoencoders(...)``, ``dcgan(...)`` and ``aae(...)`` train, write
their reports into a folder and return what they found (see ``runs``). They load torch when first
used; ``brushwork.lab.settings`` does not need it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .runs import Reporter as Reporter
    from .runs import aae as aae
    from .runs import aae_transfer_style as aae_transfer_style
    from .runs import autoencoders as autoencoders
    from .runs import classify as classify
    from .runs import dcgan as dcgan

_RUNS = ("Reporter", "aae", "aae_transfer_style", "autoencoders", "classify", "dcgan")
__all__ = list(_RUNS)


def __getattr__(name: str) -> Any:
    if name in _RUNS:
        from . import runs

        return getattr(runs, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
