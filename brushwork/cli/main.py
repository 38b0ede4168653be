"""Entry point: builds the parser from the subcommand modules and maps failures to exit codes."""

from __future__ import annotations

import argparse
import sys

from ..errors import BrushworkError
from ..runtime import keep_freed_memory
from . import dream, invert, lab, texture, transfer, visualize
from .common import EXIT_INTERRUPTED

SUBCOMMANDS = (transfer, texture, invert, dream, visualize, lab)


class OneLineErrorParser(argparse.ArgumentParser):
    """Usage errors as one line and exit code 2 (argparse would print the whole usage first)."""

    def error(self, message: str):
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
    parser = build_parser()
    args = parser.parse_args(argv)  # usage errors: argparse prints one line and exits 2
    keep_freed_memory()
    try:
        return args.run(args) or 0
    except BrushworkError as exc:
        print(f"brushwork: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("brushwork: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
