"""Run by test_wheel.sh with the Python of a fresh venv inside a chroot that has no -dev
packages, no compiler and none of hiredis, libsodium or OpenSSL: the installed wheel must
import, read a setting from a real Redis, follow a reload, and have every one of those
libraries loaded from its own omega_config.libs/.

    python check_wheel.py HOST PORT

Prints one "ok   - ..." or "FAIL - ..." line per check; exits 1 on any failure.
"""

import json
import pathlib
import socket
import sys
import threading

failed = 0


def check(ok: bool, what: str) -> None:
    global failed
    print(("ok   - " if ok else "FAIL - ") + what, flush=True)
    failed += not ok


def publish(host: str, port: int, version: int, settings: dict) -> None:
    """The plain writer (MULTI; SET snapshot; SET version; PUBLISH; EXEC) in raw RESP: the
    chroot has neither redis-cli nor the redis package."""
    doc = json.dumps(settings)
    message = json.dumps({"event": "updated", "version": str(version), "prev_version": str(version - 1)})
    commands = [
        ["MULTI"],
        ["SET", "omega:config", doc],
        ["SET", "omega:config:version", str(version)],
        ["PUBLISH", "config_channel", message],
        ["EXEC"],
        ["QUIT"],  # the server answers, then closes: read to the end
    ]
    wire = b"".join(
        b"*%d\r\n" % len(c) + b"".join(b"$%d\r\n%s\r\n" % (len(a.encode()), a.encode()) for a in c) for c in commands
    )
    with socket.create_connection((host, port), timeout=5) as s:
        s.sendall(wire)
        reply = b""
        while chunk := s.recv(4096):
            reply += chunk
    if b"-ERR" in reply:
        raise RuntimeError(f"publish: {reply!r}")


def main() -> int:
    host, port = sys.argv[1], int(sys.argv[2])
    import omega_config

    package = pathlib.Path(omega_config.__file__).parent
    check(str(package).startswith(sys.prefix), f"omega_config {omega_config.__version__} imported from {package}")

    cfg = omega_config.create_config_manager(f"redis://{host}:{port}/0", poll_interval_ms=200)
    check(cfg.get("GREETING") == "hello from the host", f"read GREETING={cfg.get('GREETING')!r} from Redis")

    reloaded = threading.Event()
    cfg.on_reload(lambda version, changed: reloaded.set() if version == 2 else None)
    publish(host, port, 2, {"GREETING": "v2"})
    check(reloaded.wait(10) and cfg.get("GREETING") == "v2", f"followed the reload to v2: {cfg.get('GREETING')!r}")
    cfg.close()

    # Where each library the core needs was loaded from.
    mapped = {line.split()[-1] for line in pathlib.Path("/proc/self/maps").read_text().splitlines() if ".so" in line}
    libs = package.parent / "omega_config.libs"
    for name in ("libhiredis", "libsodium", "libssl", "libcrypto"):
        paths = sorted(p for p in mapped if pathlib.Path(p).name.startswith((name + "-", name + ".so")))
        from_wheel = bool(paths) and all(pathlib.Path(p).parent == libs for p in paths)
        check(from_wheel, f"{name} loaded from the wheel only: {paths}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
