"""Exceptions survive pickling (to other processes, e.g. multiprocessing); a
ConfigManager refuses to be copied or pickled with a clear message."""

import copy
import pickle

import pytest
from omega_config import (
    ConfigClosedError,
    ConfigError,
    ConfigTypeError,
    ConfigUnavailableError,
    MissingConfigError,
)


@pytest.mark.parametrize("keys", [["FOO"], ["FOO", "BAR"]])
def test_missing_config_error_survives_pickling_and_copying(keys):
    exc = MissingConfigError(keys)
    for clone in (pickle.loads(pickle.dumps(exc)), copy.copy(exc), copy.deepcopy(exc)):
        assert type(clone) is MissingConfigError
        assert clone.keys == tuple(keys)
        assert str(clone) == str(exc)
        assert clone.code == exc.code == -5
        assert clone.name == keys[0]


def test_missing_config_error_keeps_a_custom_message_and_code():
    clone = pickle.loads(pickle.dumps(MissingConfigError(["X"], "no X here", code=-7)))
    assert (clone.keys, str(clone), clone.code) == (("X",), "no X here", -7)


@pytest.mark.parametrize("cls", [ConfigError, ConfigTypeError, ConfigUnavailableError, ConfigClosedError])
def test_config_errors_keep_their_code_through_pickling(cls):
    exc = cls("it broke", -3)
    exc.extra = "kept"
    clone = pickle.loads(pickle.dumps(exc))
    assert type(clone) is cls
    assert (str(clone), clone.code, clone.extra) == ("it broke", -3, "kept")


def test_config_manager_cannot_be_copied_or_pickled(writer, open_manager):
    writer.publish({"REQUEST_TIMEOUT": 30})
    cfg = open_manager()
    for attempt in (copy.copy, copy.deepcopy, pickle.dumps):
        with pytest.raises(TypeError, match="share the ConfigManager; it cannot be copied"):
            attempt(cfg)
    assert cfg.request_timeout == 30 and not cfg.closed
