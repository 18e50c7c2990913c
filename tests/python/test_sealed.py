"""Sealed secrets end to end: omega-settingsd --seal-key-file seals the schema's secrets in
Redis; a manager with seal_key_path (or OMEGA_SEAL_KEY_FILE) reads them exactly; one without
raises SealedValueError for them, whichever way it reads, and never returns the ciphertext;
a bad key file is refused at open; a rotation reaches readers that have the new key, and one
that lacks it keeps its last good version until the key is added to its file."""

import pickle
import re

import pytest
from omega_config import (
    ConfigError,
    InvalidConfigOptionError,
    MissingConfigError,
    SealedValueError,
)

from tests.support.daemon import example_daemon
from tests.support.seal_keys import new_key, write_key_file
from tests.support.waiting import wait_until

EXAMPLE_SECRET = "dev-only-secret-key-change-me-0123456789"  # examples/omega.env
EXAMPLE_MONGO = "mongodb://mongo:27017/omega"
NEW_SECRET = "sealed-e2e-SECRET-value-0123456789abcdef"


@pytest.fixture
def key_pair():
    return {"k1": new_key(), "k2": new_key()}


@pytest.fixture
def seal_keys(tmp_path, key_pair):
    return write_key_file(tmp_path / "seal.keys", [("k1", key_pair["k1"])])


@pytest.fixture
def sealed_writer(redis_server, tmp_path, seal_keys):
    work = tmp_path / "daemon"
    work.mkdir()
    d = example_daemon(work, redis_server, args=["--seal-key-file", str(seal_keys)])
    d.start()
    yield d
    d.stop()


def test_sealing_is_on(sealed_writer, redis_server):
    raw = redis_server.client().get("omega:config").decode()
    assert EXAMPLE_SECRET not in raw and EXAMPLE_MONGO not in raw
    assert '"SECRET_KEY":"omega:sealed:v1:' in raw


def test_a_reader_with_the_key_reads_the_exact_secrets(sealed_writer, open_manager, seal_keys):
    cfg = open_manager(seal_key_path=str(seal_keys))
    assert cfg.secret_key == EXAMPLE_SECRET
    assert cfg["MONGO_URI"] == EXAMPLE_MONGO
    assert dict(cfg.snapshot())["SECRET_KEY"] == EXAMPLE_SECRET
    assert sealed_writer.patch({"SECRET_KEY": NEW_SECRET}).status == 200
    wait_until(lambda: cfg.get("secret_key") == NEW_SECRET, what="the new secret")
    assert cfg.status.state == "READY"


def test_the_key_file_may_come_from_the_environment(sealed_writer, open_manager, seal_keys, tmp_path, monkeypatch):
    monkeypatch.setenv("OMEGA_SEAL_KEY_FILE", str(seal_keys))
    assert open_manager().secret_key == EXAMPLE_SECRET
    # An explicit argument wins over the environment.
    monkeypatch.setenv("OMEGA_SEAL_KEY_FILE", str(tmp_path / "absent.keys"))
    assert open_manager(seal_key_path=str(seal_keys)).secret_key == EXAMPLE_SECRET
    with pytest.raises(InvalidConfigOptionError, match=re.escape("absent.keys")):
        open_manager()


def test_without_the_key_every_read_of_a_secret_raises_sealed_value_error(sealed_writer, open_manager, monkeypatch):
    monkeypatch.delenv("OMEGA_SEAL_KEY_FILE", raising=False)
    cfg = open_manager()
    assert cfg.log_level == "INFO", "the rest of the snapshot is readable"
    snap = cfg.snapshot()
    reads = {
        "cfg.secret_key": lambda: cfg.secret_key,
        "cfg.SECRET_KEY": lambda: cfg.SECRET_KEY,
        "cfg[...]": lambda: cfg["secret_key"],
        "cfg.get": lambda: cfg.get("SECRET_KEY"),
        "cfg.get with a default": lambda: cfg.get("secret_key", "fallback"),
        "getattr with a default": lambda: getattr(cfg, "secret_key", "fallback"),
        "cfg.get_int": lambda: cfg.get_int("SECRET_KEY"),
        "cfg.get_bool with a default": lambda: cfg.get_bool("SECRET_KEY", False),
        "snapshot[...]": lambda: snap["SECRET_KEY"],
        "snapshot.get": lambda: snap.get("mongo_uri"),
        "snapshot attribute": lambda: snap.mongo_uri,
        "dict(snapshot)": lambda: dict(snap),
    }
    for how, read in reads.items():
        with pytest.raises(SealedValueError) as info:
            read()
        err = info.value
        assert err.code == -12 and err.key in ("SECRET_KEY", "MONGO_URI"), how
        assert "seal_key_path" in str(err) and "OMEGA_SEAL_KEY_FILE" in str(err), how
        assert "omega:sealed" not in str(err), how
        assert not isinstance(err, (KeyError, AttributeError, TypeError)), "a default must not hide it"
        assert isinstance(err, ConfigError)
    assert "SECRET_KEY" in cfg and "secret_key" in snap and "SECRET_KEY" in list(snap), "listed, not readable"
    cfg.require(["SECRET_KEY", "MONGO_URI"])  # present
    with pytest.raises(MissingConfigError):
        cfg.get_int("NO_SUCH_KEY")
    copy = pickle.loads(pickle.dumps(SealedValueError.for_key("SECRET_KEY")))
    assert copy.key == "SECRET_KEY" and copy.code == -12


def test_a_bad_key_file_is_refused_at_open(redis_server, open_manager, tmp_path):
    world = write_key_file(tmp_path / "world.keys", [("k1", new_key())], mode=0o644)
    with pytest.raises(InvalidConfigOptionError, match=re.escape(f"chmod 600 {world}")):
        open_manager(seal_key_path=str(world))
    short = write_key_file(tmp_path / "short.keys", [("k1", new_key()[:16])])
    with pytest.raises(InvalidConfigOptionError, match=re.escape("16 bytes; a seal key is exactly 32")):
        open_manager(seal_key_path=str(short))


def test_rotation_reaches_readers_with_the_new_key_and_spares_the_others(
    sealed_writer, open_manager, seal_keys, key_pair, tmp_path
):
    old_only = write_key_file(tmp_path / "old-only.keys", [("k1", key_pair["k1"])])
    ready = write_key_file(tmp_path / "ready.keys", [("k1", key_pair["k1"])])
    lagging = open_manager(seal_key_path=str(old_only))
    prepared = open_manager(seal_key_path=str(ready))
    assert lagging.secret_key == prepared.secret_key == EXAMPLE_SECRET
    # 1. The new key goes to the readers first (any line); 2. then first in the writer's file,
    # the old key kept below it, and the writer restarts: it reseals the same version with k2.
    write_key_file(ready, [("k1", key_pair["k1"]), ("k2", key_pair["k2"])])
    sealed_writer.stop()
    write_key_file(seal_keys, [("k2", key_pair["k2"]), ("k1", key_pair["k1"])])
    sealed_writer.start()
    assert sealed_writer.patch({"SECRET_KEY": NEW_SECRET}).status == 200
    wait_until(lambda: prepared.get("secret_key") == NEW_SECRET, what="the reader with k2")
    # The reader that lacks k2 keeps its last good version and says why.
    wait_until(lambda: lagging.status.state == "ERROR", what="the lagging reader to reject")
    status = lagging.status
    assert "key id 'k2'" in status.last_error and "add the writer's 'k2' line" in status.last_error
    assert NEW_SECRET not in status.last_error
    assert lagging.secret_key == EXAMPLE_SECRET and lagging.version == 1
    # Once k2 is in its file, the next version opens: no restart needed.
    write_key_file(old_only, [("k2", key_pair["k2"])])
    assert sealed_writer.patch({"LOG_LEVEL": "DEBUG"}).status == 200
    wait_until(lambda: lagging.get("log_level") == "DEBUG", what="the lagging reader to catch up")
    assert lagging.secret_key == NEW_SECRET and lagging.status.state == "READY"
