"""The one way the Python tests wait for something."""

import time

POLL_SECONDS = 0.01


def wait_until(predicate, timeout=20.0, what="condition"):
    """Polls predicate() until it returns something true, and returns that.

    The timeout only bounds a hung test; it is never a timing claim."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(POLL_SECONDS)
