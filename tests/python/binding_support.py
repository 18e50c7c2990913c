"""Helpers shared by the binding tests (imported by name: this directory is on
sys.path while pytest collects it)."""
import importlib.util
import pathlib
import time

REPO = pathlib.Path(__file__).resolve().parents[2]


def load_module(name, path):
    """Imports a file under a chosen name: several files here are called conftest.py."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def wait_until(predicate, timeout=15.0, what="condition"):
    """Polls predicate() until true; a generous bound that only guards against hangs."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.005)
    raise AssertionError(f"timed out waiting for {what}")


shared = load_module("omega_shared_conftest", REPO / "tests" / "conftest.py")
