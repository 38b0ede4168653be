"""Start-up time of the command line: prints a table and writes bench/results/startup.json.

  .venv/bin/python bench/startup.py [--repeats 7]

The target is under 1 s for ``brushwork --version`` and ``brushwork transfer --help``. Each row is
the median of the repeats, next to a bare ``python -c pass`` and ``python -c "import torch"``
measured in the same run (machines differ 5x; the ratios travel).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys

from measure import RESULTS, ROOT, run_measured

BRUSHWORK = str(ROOT / ".venv" / "bin" / "brushwork")
COMMANDS = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "python -c 'import torch'": [sys.executable, "-c", "import torch"],
    "brushwork --version": [BRUSHWORK, "--version"],
    "brushwork transfer --help": [BRUSHWORK, "transfer", "--help"],
    "brushwork lab classify --help": [BRUSHWORK, "lab", "classify", "--help"],
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    rows = []
    for name, cmd in COMMANDS.items():
        run_measured(cmd)  # warm the file cache
        walls = [run_measured(cmd)["wall_s"] for _ in range(args.repeats)]
        rows.append({"command": name, "median_s": statistics.median(walls), "max_s": max(walls)})
    bare = rows[0]["median_s"]
    print(f"{'command':<32} {'median':>8} {'max':>8} {'x python':>9}")
    for row in rows:
        row["times_bare_python"] = row["median_s"] / bare
        print(f"{row['command']:<32} {row['median_s']:>7.3f}s {row['max_s']:>7.3f}s {row['times_bare_python']:>8.1f}x")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "startup.json").write_text(json.dumps(rows, indent=2) + "\n")
    print(f"wrote {RESULTS / 'startup.json'}")


if __name__ == "__main__":
    main()
