"""The ``brushwork`` command: one subcommand module per technique."""

from .main import main

__all__ = ["main"]
