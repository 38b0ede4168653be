"""brushwork: turn photographs into paintings, and see what a convolutional network sees."""

__version__ = "0.1.0"

from .api import dream, invert, texture, transfer, visualize_channel, visualize_class  # noqa: E402
from .errors import BrushworkError  # noqa: E402
from .runtime import keep_freed_memory  # noqa: E402
from .techniques.transfer import PRESETS, TransferProgress, TransferSettings  # noqa: E402

__all__ = [
    "BrushworkError", "PRESETS", "TransferProgress", "TransferSettings", "__version__", "dream", "invert",
    "keep_freed_memory", "texture", "transfer", "visualize_channel", "visualize_class",
]
