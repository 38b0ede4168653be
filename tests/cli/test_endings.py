"""How a run ends: signals keep the best result with 128 + the signal as exit code; a bug is one line and 70."""

import os
import signal
import time

import pytest
from PIL import Image

from brushwork.cli import info

from ..helpers import run_cli, start_brushwork


def test_an_internal_error_is_one_line_exit_70_and_a_crash_log(tmp_path, monkeypatch):
    def broken(args):
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(info, "run", broken)
    monkeypatch.setenv("BRUSHWORK_CRASH_DIR", str(tmp_path / "crashes"))
    result = run_cli("info", "x.png")
    assert result.returncode == 70
    (log,) = (tmp_path / "crashes").iterdir()
    assert result.stderr == f"brushwork: internal error: ZeroDivisionError: boom; details in {log}\n"
    text = log.read_text()
    assert "while: brushwork info x.png" in text and 'raise ZeroDivisionError("boom")' in text


@pytest.mark.parametrize("delay", [0.05, 0.3, 1.0])
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_during_start_up_is_one_line(tmp_path, delay, signum):
    """Stopped while Python loads (before any work), a run says so in one line and exits 128 + signal."""
    Image.new("RGB", (40, 40)).save(tmp_path / "p.png")
    proc = start_brushwork(
        [
            "transfer",
            tmp_path / "p.png",
            tmp_path / "p.png",
            "-o",
            tmp_path / "o.png",
            "--size",
            "40",
            "--iterations",
            "100000",
            "100000",
            "100000",
            "--quiet",
        ]
    )
    time.sleep(delay)
    proc.send_signal(signum)
    _, stderr = proc.communicate(timeout=120)
    if proc.returncode == 0 - signum:  # a signal before Python installed any handler ends the process plainly
        return
    if stderr.startswith("Fatal Python error: init_import_site") and proc.returncode == 1:
        # Ctrl-C while the interpreter itself starts (its site module, before any code of ours): Python
        # reports it in its own words; no brushwork code had run, so there is nothing of ours to report.
        assert stderr.rstrip().endswith("KeyboardInterrupt") and "/brushwork/" not in stderr, stderr
        return
    assert "Traceback" not in stderr, stderr
    assert proc.returncode == 128 + signum, stderr
    assert len(stderr.splitlines()) == 1 and stderr.startswith("brushwork: "), stderr


@pytest.mark.integration
@pytest.mark.parametrize(
    "signum, code, said", [(signal.SIGTERM, 143, "stopped by SIGTERM"), (signal.SIGHUP, 129, "stopped by SIGHUP")]
)
def test_sigterm_and_sighup_keep_the_best_image(tmp_path, real_weights, signum, code, said):
    Image.effect_noise((60, 40), 50).convert("RGB").save(tmp_path / "photo.png")
    Image.effect_noise((50, 50), 80).convert("RGB").save(tmp_path / "paint.png")
    out, steps = tmp_path / "out.png", tmp_path / "steps"
    proc = start_brushwork(
        [
            "transfer",
            tmp_path / "photo.png",
            tmp_path / "paint.png",
            "-o",
            out,
            "--size",
            "48",
            "--scales",
            "1",
            "--iterations",
            "100000",
            "--save-every",
            "1",
            "--intermediates",
            steps,
            "--quiet",
        ]
    )
    deadline = time.monotonic() + 120
    while not (steps.is_dir() and any(steps.iterdir())) and time.monotonic() < deadline:
        time.sleep(0.2)
    os.kill(proc.pid, signum)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == code, stderr
    assert stderr == f"brushwork: {said}; saved the best image so far to {out}\n"
    assert Image.open(out).size == (48, 32)
