"""HTTPS on the admin API: omega-settingsd serves it with --tls-cert/--tls-key
(libmicrohttpd + GnuTLS); curl and omegactl verify it (--cacert) and refuse it otherwise."""

import json
import shutil
import ssl
import subprocess
import sys

import pytest

from tests.support.daemon import ALICE, env_without_omega, example_daemon


@pytest.fixture
def https_daemon(redis_server, tmp_path, tls_files):
    d = example_daemon(
        tmp_path,
        redis_server,
        args=["--tls-cert", tls_files.path("server.crt"), "--tls-key", tls_files.path("server.key")],
    )
    d.https_context = ssl.create_default_context(cafile=tls_files.ca)
    d.start()
    yield d
    d.stop()


def omegactl(*args, cacert=None):
    env = env_without_omega()
    env.pop("PYTHONPATH", None)
    env["OMEGA_ADMIN_TOKEN"] = ALICE
    extra = ["--cacert", cacert] if cacert else []
    return subprocess.run(
        [sys.executable, "-m", "omega_config.ctl", *extra, *args], env=env, capture_output=True, text=True, timeout=60
    )


def test_curl_verifies_the_https_admin_api(https_daemon, tls_files):
    curl = shutil.which("curl")
    url = f"https://127.0.0.1:{https_daemon.port}/config"
    ok = subprocess.run([curl, "-sS", "--cacert", tls_files.ca, url], capture_output=True, text=True, timeout=30)
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["version"] == "1"
    unverified = subprocess.run([curl, "-sS", url], capture_output=True, text=True, timeout=30)
    assert unverified.returncode == 60, "curl accepted a certificate it cannot verify"
    plain = subprocess.run(
        [curl, "-sS", f"http://127.0.0.1:{https_daemon.port}/healthz"], capture_output=True, text=True, timeout=30
    )
    assert plain.returncode != 0 or "ok" not in plain.stdout, "plain HTTP answered on the HTTPS port"


def test_omegactl_verifies_the_https_admin_api(https_daemon, tls_files):
    url = f"https://127.0.0.1:{https_daemon.port}"
    p = omegactl("--url", url, "patch", "LOG_LEVEL=DEBUG", cacert=tls_files.ca)
    assert p.returncode == 0, p.stderr
    assert https_daemon.config()["config"]["LOG_LEVEL"] == "DEBUG"
    refused = omegactl("--url", url, "get")
    assert refused.returncode == 3, refused
    assert "was not accepted" in refused.stderr and "--cacert" in refused.stderr
    wrong = omegactl("--url", url, "get", cacert=tls_files.path("wrong-ca.crt"))
    assert wrong.returncode == 3


def test_https_flags_must_come_together_and_be_valid(redis_server, tmp_path, tls_files):
    d = example_daemon(tmp_path, redis_server, args=["--tls-cert", tls_files.path("server.crt")])
    p = subprocess.run(d.command(), capture_output=True, text=True, timeout=30, env=env_without_omega())
    assert p.returncode != 0 and "--tls-cert and --tls-key go together" in p.stderr
    d = example_daemon(
        tmp_path,
        redis_server,
        args=["--tls-cert", tls_files.path("server.crt"), "--tls-key", tls_files.path("client.key")],
    )
    p = subprocess.run(d.command(), capture_output=True, text=True, timeout=30, env=env_without_omega())
    assert p.returncode != 0 and "HTTPS" in p.stderr, p.stderr
