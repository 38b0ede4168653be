"""Test helpers shared across packages."""

import contextlib
import io
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import torch

from brushwork.cli import main
from brushwork.optim import optimize


def assert_loss_falls(loss_terms, parameter, iterations=5, **kwargs):
    """Run a few steps of the shared loop; the loss must fall and the parameter must change."""
    start = parameter.clone()
    initial = float(sum(loss_terms(parameter).values()))
    result = optimize(parameter, loss_terms, iterations, **kwargs)
    assert result.total < initial
    assert not torch.equal(result.parameter, start)
    return result


def _restore_sigint() -> None:
    # A test runner started as a shell's background job inherits SIGINT ignored, and so would the
    # child; a user's Ctrl-C reaches a brushwork whose SIGINT is not.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def start_brushwork(args, env=None) -> subprocess.Popen:
    """``brushwork *args`` as a child that a test may interrupt, its stdout and stderr piped as text."""
    return subprocess.Popen(
        [sys.executable, "-m", "brushwork", *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        preexec_fn=_restore_sigint,
    )


def interrupt_when(args, marker: str, env=None, settle: float = 0.0, timeout: float = 120, signum=signal.SIGINT):
    """Run ``brushwork *args``, send SIGINT once ``marker`` appears on stderr (plus ``settle`` seconds);
    returns (exit code, all of stderr)."""
    proc = start_brushwork(args, env)
    seen: list[str] = []
    reader = threading.Thread(target=lambda: seen.extend(iter(lambda: proc.stderr.read(1), "")), daemon=True)
    reader.start()
    deadline = time.monotonic() + timeout
    while marker not in "".join(seen) and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(settle)
    os.kill(proc.pid, signum)
    proc.wait(timeout=timeout)
    reader.join(timeout=10)
    return proc.returncode, "".join(seen)


@dataclass
class CliResult:
    returncode: int
    stdout: str
    stderr: str


def run_cli(*args) -> CliResult:
    """``brushwork *args`` in this process, through the CLI's ``main(argv)``: exit code and both streams."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in args])
    return CliResult(code, out.getvalue(), err.getvalue())


def run_subprocess(*args, **kwargs) -> subprocess.CompletedProcess:
    """``brushwork *args`` as a separate process: for exit codes and signals end to end."""
    return subprocess.run(
        [sys.executable, "-m", "brushwork", *map(str, args)], capture_output=True, text=True, timeout=300, **kwargs
    )


def assert_error(result, message):
    """A one-line error and exit code 2, nothing else on stderr."""
    assert result.returncode == 2, result.stderr
    assert result.stderr == f"brushwork: error: {message}\n"


def hold_folder_elsewhere(folder: Path, what: str = "batch") -> subprocess.Popen:
    """Another process holding ``folder`` as a running batch or video does."""
    code = (
        "import sys, time\nfrom pathlib import Path\nfrom brushwork.files import held_folder\n"
        "with held_folder(Path(sys.argv[1]), sys.argv[2]):\n    print('held', flush=True)\n    time.sleep(120)\n"
    )
    holder = subprocess.Popen([sys.executable, "-c", code, str(folder), what], stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline() == "held\n"
    return holder
