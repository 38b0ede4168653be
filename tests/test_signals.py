"""Signals: SIGTERM and SIGHUP stop a run as Ctrl-C does, and a held block is never cut in half."""

import os
import signal

import pytest

from brushwork.signals import Stopped, signal_number, signals_held, stop_on_signals


@pytest.fixture(autouse=True)
def ctrl_c_at_its_default():
    """A test runner started in the background has SIGINT ignored, and ``stop_on_signals`` leaves an ignored
    SIGINT alone (as for ``nohup``); these tests are about a user's Ctrl-C."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_a_signal_inside_a_held_block_lands_after_it(signum):
    steps = []
    with stop_on_signals(), pytest.raises(KeyboardInterrupt) as stop:
        with signals_held():
            os.kill(os.getpid(), signum)
            steps.append("first")  # the signal is pending, not acted on
            steps.append("second")
        steps.append("after")  # never reached: the signal lands as the block ends
    assert steps == ["first", "second"]
    assert signal_number(stop.value) == signum


def test_without_a_held_block_the_signal_lands_at_once():
    steps = []
    with stop_on_signals(), pytest.raises(Stopped):
        os.kill(os.getpid(), signal.SIGTERM)
        steps.append("after")
    assert steps == []


def test_the_handlers_are_restored():
    before = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    with signals_held():
        assert signal.getsignal(signal.SIGTERM) != before[signal.SIGTERM]
    assert {signum: signal.getsignal(signum) for signum in before} == before


def test_a_signal_from_another_thread_is_held_too():
    """torch's threads are where a signal may land: the hold must not depend on which thread gets it."""
    import threading

    steps = []
    with stop_on_signals(), pytest.raises(Stopped):
        with signals_held():
            sender = threading.Thread(target=lambda: signal.pthread_kill(threading.main_thread().ident, signal.SIGTERM))
            sender.start()
            sender.join()
            os.kill(os.getpid(), signal.SIGHUP)
            steps.append("inside")
        steps.append("after")
    assert steps == ["inside"]


@pytest.mark.filterwarnings(
    "ignore::pytest.PytestUnraisableExceptionWarning"
)  # the dropped exception, as Python reports it
def test_a_stop_whose_exception_was_swallowed_still_ends_the_loop():
    """Python drops an exception raised inside a __del__; the loop's check raises the stop again."""
    import gc

    import torch

    from brushwork.optim import Interrupted, optimize

    class SwallowsIt:
        def __del__(self):
            os.kill(os.getpid(), signal.SIGTERM)  # the handler's Stopped is raised here, and dropped
            sum(range(1000))

    steps = []

    def loss(parameter):
        steps.append(1)
        if len(steps) == 3:
            SwallowsIt()
            gc.collect()
        return {"x": (parameter**2).sum()}

    with stop_on_signals(), pytest.raises(Interrupted) as stop:
        optimize(torch.ones(3), loss, 50, optimizer="adam", lr=0.1)
    assert stop.value.signum == signal.SIGTERM
    assert len(steps) == 3  # the next step never ran, and the 47 after it neither


def test_sigint_ignored_at_start_stays_ignored():
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        with stop_on_signals():
            assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, previous)


def test_every_stop_is_one_exception_carrying_the_signal_and_what_was_kept(tmp_path):
    import signal

    from brushwork.lab.training import TrainingInterrupted
    from brushwork.optim import Interrupted
    from brushwork.signals import RunStopped

    painted = Interrupted("the best picture", signal.SIGTERM)
    trained = TrainingInterrupted(record=None, checkpoint=tmp_path / "model.safetensors", signum=signal.SIGHUP)  # type: ignore[arg-type]
    for stop, kept, signum in (
        (painted, "the best picture", signal.SIGTERM),
        (trained, tmp_path / "model.safetensors", signal.SIGHUP),
    ):
        assert isinstance(stop, RunStopped) and (stop.kept, stop.signum) == (kept, signum)
    assert painted.best == "the best picture" and painted.with_best("a sheet").signum == signal.SIGTERM
