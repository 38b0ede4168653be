"""Signals: SIGTERM and SIGHUP stop a run as Ctrl-C does, and a held block is never cut in half."""

import os
import signal

import pytest

from brushwork.signals import Stopped, signal_number, signals_held, stop_on_signals


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
