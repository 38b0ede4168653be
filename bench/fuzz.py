"""The hostile-input fuzzer's long run, for before a release: prints a table and writes bench/results/fuzz.json.

  .venv/bin/python bench/fuzz.py [--examples 3000] [--runs 200]

It runs tests/hostile/test_fuzz.py with Hypothesis's "long" profile (``--examples`` per property,
``--runs`` real tiny transfers through the CLI), and reports how many cases each property tried
and whether any failed. CI runs the same properties with a few dozen examples each.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time

from measure import RESULTS, ROOT


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=3000)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    env = dict(
        os.environ,
        BRUSHWORK_FUZZ_PROFILE="long",
        BRUSHWORK_FUZZ_RUNS=str(args.runs),
        BRUSHWORK_FUZZ_IMAGES=str(args.examples),
    )
    started = time.perf_counter()
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--hypothesis-show-statistics",
            "tests/hostile/test_fuzz.py",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - started
    rows = []
    for block in re.split(r"\n(?=tests/hostile/test_fuzz\.py::)", out.stdout):
        name = re.match(r"tests/hostile/test_fuzz\.py::(\w+)", block)
        phases = re.findall(r"(\d+) passing, (\d+) failing, and (\d+) invalid", block)
        if name and phases:
            counts = [sum(int(phase[i]) for phase in phases) for i in range(3)]
            rows.append({"property": name[1], "passing": counts[0], "failing": counts[1], "invalid": counts[2]})
    print(f"{'property':<64} {'passing':>8} {'failing':>8}")
    for row in rows:
        print(f"{row['property']:<64} {row['passing']:>8} {row['failing']:>8}")
    summary = out.stdout.strip().splitlines()[-1] if out.stdout.strip() else out.stderr[-500:]
    print(f"\n{summary} ({wall:.0f} s)")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "fuzz.json").write_text(json.dumps({"rows": rows, "summary": summary, "seconds": wall}, indent=2) + "\n")
    if out.returncode != 0:
        print(out.stdout[-6000:])
        sys.exit(1)


if __name__ == "__main__":
    main()
