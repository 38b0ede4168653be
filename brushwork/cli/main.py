"""Entry point: builds the parser from the subcommand modules and maps failures to exit codes.

The subcommand modules import only settings declarations; torch loads when a command runs, so
``--version`` and ``--help`` answer at once.
"""

from __future__ import annotations

import argparse
import sys
from typing import NoReturn

from ..errors import BrushworkError
from ..settings.schema import SettingError
from . import dream, info, invert, lab, texture, transfer, visualize
from .common import EXIT_INTERRUPTED

SUBCOMMANDS = (transfer, texture, invert, dream, visualize, info, lab)


class OneLineErrorParser(argparse.ArgumentParser):
    """Usage errors as one line and exit code 2 (argparse would print the whole usage first)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"brushwork: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    from .. import __version__

    parser = OneLineErrorParser(prog="brushwork", description="Turn photographs into paintings.")
    parser.add_argument("--version", action="version", version=f"brushwork {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in SUBCOMMANDS:
        module.register(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the ``brushwork`` command with ``argv`` (default: ``sys.argv[1:]``); returns the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)  # usage errors: one line, exit 2
    except SystemExit as exit_:
        return exit_.code if isinstance(exit_.code, int) else 0 if exit_.code is None else 2
    from ..runtime import keep_freed_memory

    keep_freed_memory()
    try:
        return int(args.run(args) or 0)
    except SettingError as exc:
        print(f"brushwork: error: {exc.for_cli()}", file=sys.stderr)
        return exc.exit_code
    except BrushworkError as exc:
        print(f"brushwork: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("brushwork: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
