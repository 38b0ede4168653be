"""Entry point: builds the parser from the subcommand modules and maps every way a run ends to an exit code.

The subcommand modules import only settings declarations; torch loads when a command runs, so
``--version`` and ``--help`` answer at once.

Exit codes: 0 done; 1 a batch finished with some jobs failed (listed); 2 bad input (one line); 70 an
internal error (one line, the traceback in a crash log); 130, 143, 129 stopped by SIGINT, SIGTERM,
SIGHUP (the best result so far is kept).
"""

from __future__ import annotations

import argparse
import sys
from typing import NoReturn

from ..crashes import write_crash_log
from ..errors import BrushworkError, one_line, printable
from ..settings.schema import SettingError
from ..signals import describe, exit_code, signal_number, signals_held, stop_on_signals
from . import batch, devices, dream, fast, info, invert, lab, studio, texture, transfer, video, visualize

SUBCOMMANDS = (transfer, fast, batch, video, texture, invert, dream, visualize, info, devices, lab, studio)
EXIT_INTERNAL_ERROR = 70  # sysexits.h's EX_SOFTWARE


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
    # A file name that is not UTF-8 (or a terminal whose encoding lacks a character) must not turn a
    # message into a UnicodeEncodeError: what cannot be written is written as an escape.
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")
    try:
        with stop_on_signals():
            return _run(argv)
    except KeyboardInterrupt as stop:  # a signal before a command could keep anything
        print(f"brushwork: {describe(signal_number(stop))}", file=sys.stderr)
        return exit_code(signal_number(stop))


def _run(argv: list[str] | None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)  # usage errors: one line, exit 2
    except SystemExit as exit_:
        return exit_.code if isinstance(exit_.code, int) else 0 if exit_.code is None else 2
    from ..runtime import keep_freed_memory

    keep_freed_memory()
    if getattr(args, "needs_torch", True):
        # torch's import runs C++ that calls back into Python: a stop raised there cannot unwind through
        # it and aborts the process (SIGABRT, no message). Held, it is acted on once the import is done.
        with signals_held():
            import torch  # noqa: F401
    try:
        return int(args.run(args) or 0)
    except SettingError as exc:
        print(f"brushwork: error: {exc.for_cli()}", file=sys.stderr)
        return exc.exit_code
    except BrushworkError as exc:
        print(f"brushwork: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        raise
    except Exception as exc:  # the last line of defence: a bug, told in one line, never a traceback
        command = "brushwork " + " ".join(argv if argv is not None else sys.argv[1:])
        log = write_crash_log(exc, command)
        where = f"details in {printable(str(log))}" if log is not None else "no crash log could be written"
        first_line = one_line((str(exc).splitlines() or [""])[0][:300])
        print(f"brushwork: internal error: {type(exc).__name__}: {first_line}; {where}", file=sys.stderr)
        return EXIT_INTERNAL_ERROR


if __name__ == "__main__":
    sys.exit(main())
