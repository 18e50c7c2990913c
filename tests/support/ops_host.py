"""A scratch host for the tested procedures of docs/operations.md: the systemd layout's files
under a temporary root, omega-settingsd started and stopped by a `systemctl` stand-in (start
returns once /healthz answers, after the boot seeding, as systemd waits for READY=1; stop
sends SIGTERM and waits), and the variables the procedures use."""

import getpass
import http.client
import json
import os
import shlex
import shutil
import signal
import subprocess

from tests.support.daemon import DATA, daemon_binary, env_without_omega
from tests.support.paths import EXAMPLES
from tests.support.redis_server import free_port

OLD_TOKEN = "alice-token-" + "o" * 40

SYSTEMCTL = r"""#!/usr/bin/env bash
# systemctl for the operations doc's tests: the unit omega-settingsd only, run by run-daemon.
set -euo pipefail
state=@STATE@
unit=${2:-}
unit=${unit%.service}
[ "$unit" = omega-settingsd ] || { echo "systemctl (test): unknown unit '$unit'" >&2; exit 5; }
pid() { cat "$state/pid" 2>/dev/null || true; }
running() {  # alive and not a zombie waiting for a parent that does not reap
  local p
  p=$(pid)
  [ -n "$p" ] && [ -e "/proc/$p/stat" ] && [ "$(awk '{print $3}' "/proc/$p/stat")" != Z ]
}
stop() {
  running || { rm -f "$state/pid"; return 0; }
  kill -TERM "$(pid)"
  for _ in $(seq 300); do running || { rm -f "$state/pid"; return 0; }; sleep 0.1; done
  echo "systemctl (test): omega-settingsd did not stop" >&2
  exit 1
}
start() {
  running && return 0
  "$state/run-daemon" >>"$state/daemon.log" 2>&1 </dev/null &
  echo $! >"$state/pid"
  for _ in $(seq 150); do
    curl -fsS -o /dev/null "http://127.0.0.1:@PORT@/healthz" 2>/dev/null && return 0
    running || { echo "systemctl (test): omega-settingsd exited" >&2; tail -20 "$state/daemon.log" >&2; exit 1; }
    sleep 0.1
  done
  echo "systemctl (test): omega-settingsd did not start" >&2
  exit 1
}
case "$1" in
  start) start ;;
  stop) stop ;;
  restart) stop; start ;;
  reload) kill -HUP "$(pid)" ;;
  *) echo "systemctl (test): unsupported: $1" >&2; exit 2 ;;
esac
"""


class OpsHost:
    def __init__(self, root, writer_url, reader_url):
        self.root = root
        self.env_path = root / "var/lib/omega/omega.env"
        self.audit_path = root / "var/log/omega/audit.jsonl"
        self.schema_path = root / "etc/omega/omega.schema.json"
        self.tokens_path = root / "etc/omega/credentials/admin-tokens"
        self.backup = root / "var/backups/omega/1"
        self.state = root / "run"
        self.bin = root / "bin"
        self.reader_url = reader_url
        self.port = free_port()
        for d in (self.env_path.parent, self.audit_path.parent, self.tokens_path.parent, self.state, self.bin):
            d.mkdir(parents=True, exist_ok=True)
        shutil.copy(DATA / "test.env", self.env_path)
        shutil.copy(EXAMPLES / "omega.schema.json", self.schema_path)
        self.tokens_path.write_text(f"alice:{OLD_TOKEN}\n")
        command = [
            daemon_binary(),
            *("--env", self.env_path, "--schema", self.schema_path, "--audit-log", self.audit_path),
            *("--admin-token-file", self.tokens_path, "--listen", f"127.0.0.1:{self.port}"),
            *("--reconcile-interval-ms", "200"),
        ]
        run = self.state / "run-daemon"
        run.write_text(
            f"#!/bin/sh\nexport OMEGA_REDIS_URL={shlex.quote(writer_url)}\nexec {shlex.join(map(str, command))}\n"
        )
        systemctl = self.bin / "systemctl"
        systemctl.write_text(
            SYSTEMCTL.replace("@STATE@", shlex.quote(str(self.state))).replace("@PORT@", str(self.port))
        )
        for script in (run, systemctl):
            script.chmod(0o755)
        (self.bin / "omega-settingsd").symlink_to(daemon_binary())

    def environ(self):
        """What the procedures' commands read: the doc's variables and a PATH with the stand-ins first."""
        env = env_without_omega()
        env.update(
            PATH=f"{self.bin}:{env['PATH']}",
            OMEGA_ENV=str(self.env_path),
            OMEGA_AUDIT=str(self.audit_path),
            OMEGA_SCHEMA=str(self.schema_path),
            OMEGA_TOKENS=str(self.tokens_path),
            OMEGA_USER=getpass.getuser(),
            OMEGA_URL=f"http://127.0.0.1:{self.port}",
            REDIS_READER_URL=self.reader_url,
            REDIS_CLI_OPTS="",
            BACKUP=str(self.backup),
        )
        return env

    def systemctl(self, *args):
        subprocess.run([str(self.bin / "systemctl"), *args], env=self.environ(), check=True)

    def request(self, method, path, body=None, token=OLD_TOKEN):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        if body is not None:
            headers["Content-Type"] = "application/json"
            body = json.dumps(body)
        conn.request(method, path, body=body, headers=headers)
        r = conn.getresponse()
        status, text = r.status, r.read().decode()
        conn.close()
        return status, json.loads(text) if text else None

    def patch(self, updates):
        status, answer = self.request("POST", "/config/patch", {"updates": updates})
        assert status == 200, answer
        return answer

    def config(self):
        return self.request("GET", "/config", token=None)[1]

    def pid(self):
        path = self.state / "pid"
        return int(path.read_text()) if path.exists() else None

    def lose_files(self):
        """The host is gone: the daemon killed (no clean stop), its state and logs deleted."""
        self.kill()
        shutil.rmtree(self.env_path.parent)
        shutil.rmtree(self.audit_path.parent)

    def kill(self):
        pid = self.pid()
        if pid:
            try:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
            (self.state / "pid").unlink()

    def log(self):
        path = self.state / "daemon.log"
        return path.read_text(errors="replace") if path.exists() else ""
