"""Helpers of the daemon suite (no fixtures here: those are in conftest.py)."""

import hashlib
import hmac
import json
import secrets
import socket
import time

from tests.support.redis_server import redis_keys

# The secret values of tests/daemon/data/test.env: they must never appear outside the .env
# and the Redis snapshot.
SECRET_VALUES = ["tEsT-secret-key-NEVER-LEAK-0123456789abcdef", "Mongo-PASS-never-leak"]


def raw_http(port, data: bytes, read_timeout=5.0) -> bytes:
    """Sends raw bytes and returns whatever comes back until the server closes (or timeout)."""
    s = socket.create_connection(("127.0.0.1", port))
    s.settimeout(read_timeout)
    s.sendall(data)
    out = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            out += chunk
            if b"\r\n\r\n" in out:
                head, _, rest = out.partition(b"\r\n\r\n")
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:") and len(rest) >= int(line.split(b":")[1]):
                        return out
    except (socket.timeout, ConnectionResetError):
        pass
    finally:
        s.close()
    return out


def hmac_header(secret, name, method, path, body: bytes, ts=None, nonce=None):
    ts = str(int(time.time()) if ts is None else ts)
    nonce = nonce or secrets.token_hex(16)
    msg = "\n".join([method, path, ts, nonce, hashlib.sha256(body).hexdigest()]).encode()
    sig = hmac.new(secret.encode(), msg, hashlib.sha256).hexdigest()
    return f"OMEGA-HMAC-SHA256 key={name},ts={ts},nonce={nonce},sig={sig}"


class World:
    """Everything a bad request must leave untouched."""

    def __init__(self, daemon, redis, spy):
        self.daemon, self.redis, self.spy = daemon, redis, spy

    def capture(self):
        self.spy.drain()
        return {
            "env": self.daemon.env_path.read_bytes(),
            "redis": redis_keys(self.redis),
            "audit": self.daemon.audit_path.read_bytes() if self.daemon.audit_path.exists() else b"",
            "messages": len(self.spy.messages),
            "version": self.daemon.config()["version"],
        }

    def assert_unchanged(self, before):
        after = self.capture()
        assert after["env"] == before["env"], ".env changed"
        assert after["redis"] == before["redis"], "Redis keys changed"
        assert after["messages"] == before["messages"], f"spy saw {self.spy.messages[before['messages'] :]}"
        assert after["audit"] == before["audit"], "an audit record was written"
        assert after["version"] == before["version"]


def published(redis_server):
    """(snapshot dict or None, version bytes or None, meta dict or None) as Redis holds them."""
    snap, version, meta = redis_keys(redis_server)
    return (json.loads(snap) if snap else None, version, json.loads(meta) if meta else None)


def metric(daemon, line_prefix):
    """The value of the first /metrics line starting with line_prefix, or None."""
    for line in daemon.request("GET", "/metrics", token=None).body.splitlines():
        if line.startswith(line_prefix + " "):
            return float(line.split()[-1])
    return None
