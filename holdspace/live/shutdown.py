"""Ending open event streams when the server is asked to stop.

uvicorn stops accepting connections on SIGTERM/SIGINT and then waits for open requests to
finish, up to its graceful-shutdown timeout, before cancelling them. An event stream never
finishes by itself, so every restart would wait the whole timeout. Chaining onto uvicorn's own
signal handler lets the streams end at once; browsers reconnect (to the next server) with
``Last-Event-ID`` and miss nothing. If the timeout is reached anyway, the cancelled stream's
``finally`` still unsubscribes it cleanly.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any

logger = logging.getLogger(__name__)

_installed = False
_lock = threading.Lock()


def install(on_shutdown: Callable[[], None]) -> None:
    """Call ``on_shutdown`` before the server's own SIGTERM/SIGINT handler. Idempotent.

    Only a Python handler already in place (the server's) is chained: a process whose signals
    are at their defaults (a management command, a test) is left exactly as it was. Signal
    handlers can only be set from the main thread, which is where uvicorn runs its loop.
    """
    global _installed
    if threading.current_thread() is not threading.main_thread():
        return
    with _lock:
        if _installed:
            return
        _installed = True
        for signum in (signal.SIGTERM, signal.SIGINT):
            previous = signal.getsignal(signum)
            if callable(previous) and previous is not signal.default_int_handler:
                signal.signal(signum, _chained(previous, on_shutdown))


def _chained(
    previous: Callable[[int, FrameType | None], Any], on_shutdown: Callable[[], None]
) -> Callable[[int, FrameType | None], Any]:
    def handler(signum: int, frame: FrameType | None) -> Any:
        try:
            on_shutdown()
        except Exception:
            # The server's own handler must run whatever happened here.
            logger.exception("live: ending streams at shutdown failed")
        return previous(signum, frame)

    return handler
