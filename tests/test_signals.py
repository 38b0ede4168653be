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


def test_the_mask_is_restored():
    before = signal.pthread_sigmask(signal.SIG_BLOCK, set())
    with signals_held():
        assert signal.SIGINT in signal.pthread_sigmask(signal.SIG_BLOCK, set())
    assert signal.pthread_sigmask(signal.SIG_BLOCK, set()) == before
