"""systemd's Type=notify without libsystemd (daemon/src/service/sd_notify.cc): the daemon
sends READY=1 to $NOTIFY_SOCKET once Redis holds its snapshot, RELOADING=1 then READY=1
around SIGHUP, STOPPING=1 on SIGTERM; the socket may be a path or an abstract '@' name."""

import signal
import socket
import uuid

from tests.support.redis_server import RedisServer, redis_keys


class NotifySocket:
    """The socket systemd would listen on: one datagram per notification."""

    def __init__(self, name):
        self.name = name
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind("\0" + name[1:] if name.startswith("@") else name)

    def receive(self, timeout=20.0):
        """The next datagram as {KEY: value}, or None when nothing came within timeout."""
        self.sock.settimeout(timeout)
        try:
            data = self.sock.recv(4096).decode()
        except socket.timeout:
            return None
        return dict(line.split("=", 1) for line in data.splitlines())

    def close(self):
        self.sock.close()


def test_ready_once_seeded_then_reloading_around_sighup_and_stopping(make_daemon, redis_server, tmp_path):
    notify = NotifySocket(str(tmp_path / "notify"))
    try:
        d = make_daemon(start=False)
        d.start(extra_env={"NOTIFY_SOCKET": notify.name})
        ready = notify.receive()
        assert ready == {"READY": "1", "STATUS": "serving version 1"}
        assert redis_keys(redis_server)[1] == b"1"

        d.proc.send_signal(signal.SIGHUP)
        reloading = notify.receive()
        assert reloading["RELOADING"] == "1" and reloading["MONOTONIC_USEC"].isdigit(), reloading
        assert notify.receive() == {"READY": "1"}

        d.stop()
        assert notify.receive() == {"STOPPING": "1"}
    finally:
        notify.close()


def test_ready_waits_for_redis_while_the_daemon_already_serves(make_daemon, tmp_path):
    notify = NotifySocket(str(tmp_path / "notify"))
    redis = RedisServer()  # not started yet: the daemon boots with Redis down
    try:
        d = make_daemon(start=False, redis=redis)
        d.start(extra_env={"NOTIFY_SOCKET": notify.name})  # /healthz answers
        assert notify.receive(timeout=1.0) is None, "READY=1 before Redis held the snapshot"
        redis.start()
        assert notify.receive()["READY"] == "1"
        assert redis_keys(redis)[1] == b"1"
    finally:
        notify.close()
        redis.cleanup()


def test_abstract_socket_name(make_daemon, redis_server):
    notify = NotifySocket("@omega-test-notify-" + uuid.uuid4().hex)
    try:
        make_daemon(start=False).start(extra_env={"NOTIFY_SOCKET": notify.name})
        assert notify.receive()["READY"] == "1"
    finally:
        notify.close()
