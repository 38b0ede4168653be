"""``brushwork info``: what made an output (technique, settings, brushwork's version)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def register(commands: Any) -> None:
    p = commands.add_parser("info", help="print the technique and settings that made a brushwork output")
    p.add_argument(
        "file", type=Path, metavar="FILE", help="a brushwork output (PNG, or an image with its .json sidecar)"
    )
    p.add_argument("--json", action="store_true", help="print the record as JSON (usable with --settings)")
    p.set_defaults(run=run, needs_torch=False)


def run(args: argparse.Namespace) -> int:
    from ..provenance import describe, read_record

    data = read_record(args.file)
    sys.stdout.write(json.dumps(data, indent=2) + "\n" if args.json else describe(data))
    return 0
