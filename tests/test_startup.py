"""Start-up stays light: parsing a command line loads no numerical library (torch loads when a command runs)."""

import subprocess
import sys

HEAVY = ("torch", "numpy", "matplotlib", "scipy", "sklearn", "skimage", "PIL")

PROBE = f"""
import sys
from brushwork.cli.main import build_parser
import brushwork, brushwork.settings, brushwork.jobs, brushwork.lab, brushwork.lab.settings
build_parser().parse_args(["transfer", "a.png", "b.png", "-o", "c.png", "--size", "256"])
print(",".join(m for m in {HEAVY!r} if m in sys.modules))
"""


def test_parsing_the_command_line_imports_no_heavy_library():
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_version_and_help_answer_without_torch():
    version = subprocess.run([sys.executable, "-m", "brushwork", "--version"], capture_output=True, text=True)
    assert version.returncode == 0 and version.stdout == "brushwork 0.1.0\n"
    helped = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "brushwork", "transfer", "--help"], capture_output=True, text=True
    )
    assert helped.returncode == 0 and "--style-weight" in helped.stdout
    imported = {line.split("|")[-1].strip() for line in helped.stderr.splitlines() if "|" in line}
    assert not imported & set(HEAVY)
