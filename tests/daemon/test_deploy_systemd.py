"""deploy/systemd checked offline (systemd is not PID 1 here): `systemd-analyze verify`
loads the writer's unit and the reader drop-in in a scratch root that holds the programs
they run, and warns about nothing; `systemd-analyze security --offline` rates the writer's
sandbox; the unit passes only flags the daemon has, may write only where the .env and the
audit log live, and loads every secret it names. What the sandbox does to the running daemon
needs systemd as PID 1 and is not tested here (docs/operations.md says so)."""

import os
import shlex
import shutil
import subprocess

import pytest

from tests.support.daemon import daemon_binary
from tests.support.deploy_kit import DEPLOY, daemon_flags, flag_values, unit_values

UNIT = DEPLOY / "systemd" / "omega-settingsd.service"
DROP_IN = DEPLOY / "systemd" / "myservice.service.d" / "omega-config.conf"


def systemd_analyze(*args):
    if not shutil.which("systemd-analyze"):
        pytest.fail("systemd-analyze not found: run scripts/install-deps.sh (Debian package systemd)")
    return subprocess.run(["systemd-analyze", *args], capture_output=True, text=True, timeout=120)


def exec_start_args():
    return shlex.split(unit_values(UNIT, "ExecStart")[0])


@pytest.fixture(scope="module")
def unit_root(tmp_path_factory):
    """A root with systemd's own units, the units under test, and each program they run at
    the path they name."""
    root = tmp_path_factory.mktemp("root")
    shutil.copytree("/usr/lib/systemd/system", root / "usr/lib/systemd/system", symlinks=True)
    units = root / "etc/systemd/system"
    units.mkdir(parents=True)
    shutil.copy(UNIT, units)
    shutil.copytree(DROP_IN.parent, units / DROP_IN.parent.name)
    (units / "myservice.service").write_text("[Service]\nExecStart=/usr/bin/true\n")
    (root / "bin").symlink_to("usr/bin")  # merged /usr, as on Debian 12: /bin/kill
    for program, source in ((exec_start_args()[0], daemon_binary()), ("/usr/bin/kill", None), ("/usr/bin/true", None)):
        target = root / program.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(source or shutil.which(os.path.basename(program)), target)
    return root


def verify(root, *units):
    return systemd_analyze("verify", f"--root={root}", *(str(root / "etc/systemd/system" / u) for u in units))


def test_units_verify_without_a_warning(unit_root):
    done = verify(unit_root, "omega-settingsd.service", "myservice.service")
    assert done.returncode == 0 and done.stdout == "" and done.stderr == "", done.stderr


def test_verify_would_name_a_mistake(unit_root, tmp_path):
    # The check above means something: a misspelt key is reported.
    bad = unit_root / "etc/systemd/system/typo.service"
    bad.write_text(UNIT.read_text().replace("ProtectHome=yes", "ProtectHomes=yes"))
    try:
        assert "ProtectHomes" in verify(unit_root, "typo.service").stderr
    finally:
        bad.unlink()


def test_sandbox_exposure_is_low(unit_root):
    # systemd's own rating, 0 (locked down) to 10; threshold in tenths.
    done = systemd_analyze(
        "security", "--offline=true", f"--root={unit_root}", "--threshold=20", "omega-settingsd.service"
    )
    assert done.returncode == 0, done.stdout[-3000:]


def test_hardening_the_kit_promises():
    for key, value in [
        ("Type", "notify"),
        ("User", "omega"),
        ("ProtectSystem", "strict"),
        ("NoNewPrivileges", "yes"),
        ("PrivateTmp", "yes"),
        ("ProtectHome", "yes"),
        ("RestrictAddressFamilies", "AF_UNIX AF_INET AF_INET6"),  # AF_UNIX: $NOTIFY_SOCKET
        ("SystemCallFilter", "@system-service"),
        ("ExecReload", "/bin/kill -HUP $MAINPID"),
    ]:
        assert value in unit_values(UNIT, key), key


def test_exec_start_uses_only_flags_the_daemon_has():
    used = flag_values(exec_start_args()[1:])
    assert set(used) <= daemon_flags(), set(used) - daemon_flags()
    assert used["--listen"].startswith("127.0.0.1:")


def test_writable_paths_are_the_env_and_audit_directories_only():
    used = flag_values(exec_start_args()[1:])
    writable = set(" ".join(unit_values(UNIT, "ReadWritePaths")).split())
    assert writable == {os.path.dirname(used["--env"]), os.path.dirname(used["--audit-log"])}
    assert os.path.dirname(used["--log-file"]) in writable
    for directory, key in (("/var/lib/", "StateDirectory"), ("/var/log/", "LogsDirectory")):
        assert {directory + d for d in unit_values(UNIT, key)} <= writable  # created owned by User=


def credentials(path):
    return {entry.split(":", 1)[0] for entry in unit_values(path, "LoadCredential")}


def test_secrets_come_from_the_credentials_directory():
    used = flag_values(exec_start_args()[1:])
    for flag in ("--admin-token-file", "--redis-key-file"):
        assert used[flag].startswith("%d/"), flag
        assert used[flag][3:] in credentials(UNIT), flag


def test_reader_drop_in_hands_over_the_seal_key_file():
    env = dict(e.split("=", 1) for e in unit_values(DROP_IN, "Environment"))
    assert env["OMEGA_SEAL_KEY_FILE"].startswith("%d/")
    assert env["OMEGA_SEAL_KEY_FILE"][3:] in credentials(DROP_IN)
    assert "omega-settingsd.service" in unit_values(DROP_IN, "After")
