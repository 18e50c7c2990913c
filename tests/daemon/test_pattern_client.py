"""Compatibility with the pattern document: a plain redis-py client that knows only
omega:config, omega:config:version and config_channel sees the snapshot, the version and
the message; the ops cookbook's curl commands work as written; --dev is zero-setup."""

import json
import os
import re
import shutil
import signal
import subprocess

import pytest
import redis as redis_py

from tests.support.daemon import ALICE, daemon_binary, env_without_omega
from tests.support.paths import REPO
from tests.support.redis_server import free_port
from tests.support.waiting import wait_until


def test_plain_redis_client_sees_snapshot_version_and_message(daemon, redis_server):
    r = redis_py.Redis(host="127.0.0.1", port=redis_server.port, decode_responses=True)
    pubsub = r.pubsub()
    pubsub.subscribe("config_channel")
    assert pubsub.get_message(timeout=5)["type"] == "subscribe"
    assert daemon.patch({"LOG_LEVEL": "DEBUG", "MONGO_URI": "mongodb://mongo:27017"}).status == 200
    msg = None
    while msg is None or msg["type"] != "message":
        msg = pubsub.get_message(timeout=10)
    payload = json.loads(msg["data"])
    assert payload["event"] == "updated" and payload["changed"] == ["LOG_LEVEL", "MONGO_URI"]
    config = json.loads(r.get("omega:config"))
    version = r.get("omega:config:version")
    assert version == payload["version"] == "2"
    assert config["LOG_LEVEL"] == "DEBUG" and config["MONGO_URI"] == "mongodb://mongo:27017"
    assert config["REQUEST_TIMEOUT"] == 30 and isinstance(config["FEATURE_STREAMING"], bool)


def answers_ping(redis_url):
    try:
        return redis_py.Redis.from_url(redis_url, socket_timeout=1).ping()
    except redis_py.exceptions.ConnectionError:
        return False


def sh(cmd):
    return subprocess.run(["bash", "-c", cmd], capture_output=True, text=True, timeout=30)


@pytest.mark.skipif(not (shutil.which("curl") and shutil.which("jq")), reason="needs curl and jq")
def test_ops_cookbook_commands_work(daemon):
    base = f"http://127.0.0.1:{daemon.port}"
    read = sh(f"curl -s {base}/config | jq .")
    assert read.returncode == 0 and json.loads(read.stdout)["config"]["LOG_LEVEL"] == "INFO"
    patch = sh(f"""curl -s -X POST {base}/config/patch \\
    -H "Authorization: Bearer {ALICE}" \\
    -H "Content-Type: application/json" \\
    -d '{{"updates":{{"LOG_LEVEL":"debug","MONGO_URI":"mongodb://mongo:27017"}}}}'""")
    assert json.loads(patch.stdout) == {"version": "2", "changed": ["LOG_LEVEL", "MONGO_URI"], "subscribers": 0}
    reload = sh(f"""curl -s -X POST {base}/config/reload \\
    -H "Authorization: Bearer {ALICE}" """)
    assert json.loads(reload.stdout) == {"version": "2", "changed": [], "subscribers": 0}


@pytest.mark.skipif(not shutil.which("curl"), reason="needs curl")
def test_dev_mode_is_zero_setup(tmp_path):
    port = free_port()
    proc = subprocess.Popen(
        [daemon_binary(), "--dev", "--listen", f"127.0.0.1:{port}"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env_without_omega(),
    )
    try:
        banner = ""
        while "Ctrl-C" not in banner:
            line = proc.stdout.readline()
            assert line, f"--dev exited: {proc.stderr.read()}"
            banner += line
        token = re.search(r"admin token: ([0-9a-f]{64})", banner).group(1)
        redis_url = re.search(r"redis\s+(redis://\S+)", banner).group(1)
        scratch = re.search(r"removes (\S+)\.\n", banner).group(1)
        assert os.path.isdir(scratch)
        assert f"curl -s http://127.0.0.1:{port}/config | jq ." in banner
        # The console's address, as printed, serves the console.
        console = re.search(r"Open the console: (\S+)", banner).group(1)
        assert console == f"http://127.0.0.1:{port}/ui"
        assert "<title>omega-settingsd console</title>" in sh(f"curl -s {console}").stdout
        # The printed patch command, run as printed.
        patch_cmd = banner[
            banner.index("curl -s -X POST") : banner.index("curl -s -X POST", banner.index("curl -s -X POST") + 1)
        ]
        out = sh(patch_cmd)
        assert json.loads(out.stdout)["changed"] == ["LOG_LEVEL", "MONGO_URI"], out
        client = redis_py.Redis.from_url(redis_url)
        assert json.loads(client.get("omega:config"))["LOG_LEVEL"] == "DEBUG"
        # The bundled example in the repository is untouched: dev mode patches a copy.
        assert "LOG_LEVEL=DEBUG" not in (REPO / "examples" / "omega.env").read_text()
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(20)
    assert proc.returncode == 0
    assert token not in proc.stderr.read(), "the token is shown once on stdout, never logged"
    assert not os.path.exists(scratch), "the dev scratch directory is removed on exit"
    # The private redis-server stopped with the daemon.
    wait_until(lambda: not answers_ping(redis_url), timeout=5, what="the dev redis-server to stop")
