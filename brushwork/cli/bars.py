"""The one base of every progress bar the command line draws."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..signals import signals_held

if TYPE_CHECKING:
    from tqdm import tqdm


class Bar:
    """A tqdm bar that starts with the stop signals held and closes once. A Ctrl-C during tqdm's start-up
    would leave the terminal half-drawn, so the signal waits for the next iteration instead."""

    def __init__(self) -> None:
        self.bar: tqdm[Any] | None = None

    def open(self, **options: Any) -> tqdm[Any]:
        """Close the bar shown (if any) and show a new one (``tqdm``'s options)."""
        from tqdm import tqdm

        with signals_held():
            self.close()
            self.bar = tqdm(**options)
        return self.bar

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None
