"""brushwork: turn photographs into paintings, and see what a convolutional network sees."""

__version__ = "0.1.0"

from .api import transfer  # noqa: E402
from .errors import BrushworkError  # noqa: E402
from .techniques.transfer import PRESETS, TransferProgress, TransferSettings  # noqa: E402

__all__ = ["BrushworkError", "PRESETS", "TransferProgress", "TransferSettings", "transfer", "__version__"]
