"""The limits a user puts on a run (``--timeout``, ``--max-states``), Ctrl-C, and progress.

Both engines call ``Limits.tick`` between moves; it prints a progress line now and then and
raises ``Stopped`` when a limit is reached. ``Stopped`` is a ``KeyboardInterrupt`` because
that is the one exception Hypothesis lets through untouched: it neither takes it for a
failing example nor records the cut-off example in its tree of tried choices (any other
exception raised mid-example can make it report "Inconsistent data generation" later). The engine then returns a ``no-verdict`` result saying how far it
got and which limit stopped it (``stopped_by``: ``timeout``, ``max-states`` or
``interrupt``).
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time


class Stopped(KeyboardInterrupt):
    """A limit the user gave was reached: ``by`` is ``timeout`` or ``max-states``."""

    def __init__(self, by: str):
        super().__init__(by)
        self.by = by


class Limits:
    def __init__(self, options):
        self.options = options
        self.started = time.monotonic()
        self.last_progress = self.started

    @contextlib.contextmanager
    def catching_ctrl_c(self):
        """While the run lasts, Ctrl-C sets a flag that the next ``tick`` turns into
        ``Stopped("interrupt")``: a KeyboardInterrupt raised by the signal itself can land
        in a garbage-collector callback (Hypothesis installs one), where Python prints and
        drops it, and the run would go on."""
        if threading.current_thread() is not threading.main_thread() \
                or signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
            yield
            return

        def handler(signum, frame):
            self.interrupted = True

        previous = signal.signal(signal.SIGINT, handler)
        try:
            yield
        finally:
            signal.signal(signal.SIGINT, previous)

    interrupted = False

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def tick(self, states: int, progress_line) -> None:
        """Raise ``Stopped`` past ``timeout`` seconds or ``max_states`` states; call
        ``options.progress`` with ``progress_line(elapsed)`` every ``progress_interval``."""
        options = self.options
        if self.interrupted:
            raise Stopped("interrupt")
        now = time.monotonic()
        if options.progress is not None and now - self.last_progress >= options.progress_interval:
            self.last_progress = now
            options.progress(progress_line(now - self.started))
        if options.max_states is not None and states > options.max_states:
            raise Stopped("max-states")
        if options.timeout is not None and now - self.started >= options.timeout:
            raise Stopped("timeout")


def stop_reason(options, by: str, seconds: float, explored: str) -> str:
    """``--timeout 30 reached after 30.0 s: <explored>`` (the reason of a no-verdict result)."""
    if by == "timeout":
        what = f"--timeout {options.timeout:g} reached"
    elif by == "max-states":
        what = f"--max-states {options.max_states} reached"
    else:
        what = "interrupted (Ctrl-C)"
    return f"{what} after {seconds:.1f} s: {explored}; no property was seen to break in what was explored"


def verdict(found: bool, stopped_by: str, options, seconds: float, explored: str,
            unjudged: str) -> tuple[str, str, str]:
    """(result, reason, stopped_by) of a run: a violation stands whatever stopped the run; a
    limit gives no verdict with how far it got (``explored``); else the ``eventually``
    properties that could not be judged (``unjudged``) give no verdict; else pass."""
    if found:
        return "violation", "", ""
    reason = stop_reason(options, stopped_by, seconds, explored) if stopped_by else unjudged
    return ("no-verdict" if reason else "pass"), reason, stopped_by


def rate(count: int, seconds: float) -> str:
    return f"{count / seconds:,.0f}" if seconds > 0 else "0"
