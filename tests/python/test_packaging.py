"""What pip installed: the private compiled core, stubs and py.typed beside a
pure-Python public surface."""

import importlib.machinery
import importlib.metadata
import inspect
import os
import pathlib

import omega_config
import pytest
from omega_config import _core

PACKAGE = pathlib.Path(omega_config.__file__).parent


def test_compiled_core_is_a_private_extension_module_in_the_package():
    core_file = pathlib.Path(_core.__file__)
    assert core_file.parent == PACKAGE
    assert any(core_file.name.endswith(s) for s in importlib.machinery.EXTENSION_SUFFIXES)
    # One version, from the C header: the package metadata, __version__ and the compiled core.
    assert omega_config.core_version == importlib.metadata.version("omega-config") == omega_config.__version__
    assert _core.version_number() == _core.HEADER_VERSION_NUMBER


def test_type_information_is_installed():
    assert (PACKAGE / "py.typed").is_file()
    stub = (PACKAGE / "_core.pyi").read_text()
    for name in ("class Handle", "class Snapshot", "def on_reload", "def off_reload"):
        assert name in stub


def test_public_surface_is_pure_python():
    for name in (
        "ConfigManager",
        "create_config_manager",
        "watch_log_level",
        "BaseAgent",
        "AgentSettings",
        "ConfigKey",
    ):
        assert inspect.getsourcefile(getattr(omega_config, name)).endswith(".py")


def test_imported_from_the_installed_environment():
    venv = os.environ.get("OMEGA_EXPECT_INSTALLED_IN")
    if venv is None:
        pytest.skip("a developer run against a build tree; scripts/test-python.sh sets it")
    assert PACKAGE.resolve().is_relative_to(pathlib.Path(venv).resolve())
