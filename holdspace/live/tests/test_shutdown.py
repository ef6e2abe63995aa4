"""Stopping the server ends open streams at once instead of after uvicorn's graceful timeout."""

import signal

import pytest

from holdspace.live import shutdown


@pytest.fixture
def fresh_install(monkeypatch):
    monkeypatch.setattr(shutdown, "_installed", False)
    saved = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT)}
    yield
    for signum, handler in saved.items():
        signal.signal(signum, handler)


def test_the_servers_own_handler_still_runs_after_ours(fresh_install):
    calls = []
    signal.signal(signal.SIGTERM, lambda signum, frame: calls.append("server"))
    shutdown.install(lambda: calls.append("streams ended"))
    signal.raise_signal(signal.SIGTERM)
    assert calls == ["streams ended", "server"]


def test_a_failure_ending_streams_does_not_stop_the_server_handler(fresh_install):
    calls = []
    signal.signal(signal.SIGTERM, lambda signum, frame: calls.append("server"))

    def broken():
        raise RuntimeError("boom")

    shutdown.install(broken)
    signal.raise_signal(signal.SIGTERM)
    assert calls == ["server"]


def test_default_signal_handling_is_left_alone(fresh_install):
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    shutdown.install(lambda: None)
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
