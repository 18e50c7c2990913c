"""A Sentinel that says what the test tells it to: for the cases a real one does only by
accident (it names a replica as the primary, two Sentinels disagree). Speaks just enough RESP
for the connection layer: AUTH, PING, SENTINEL MASTER <name> and SENTINEL REPLICAS <name>.

    fake = FakeSentinel(primary=("127.0.0.1", port), config_epoch=3).start()
    url = f"redis-sentinel://127.0.0.1:{fake.port}/omega"
"""

import socket
import threading


def _bulk(s):
    b = str(s).encode()
    return b"$%d\r\n%s\r\n" % (len(b), b)


def _array(items):
    return b"*%d\r\n" % len(items) + b"".join(items)


def _fields(d):
    return _array([_bulk(x) for kv in d.items() for x in kv])


class FakeSentinel:
    def __init__(self, master="omega", primary=("127.0.0.1", 1), replicas=(), config_epoch=0, flags="master"):
        self.master = master
        self.primary = primary
        self.replicas = list(replicas)  # (host, port) named healthy
        self.config_epoch = config_epoch
        self.flags = flags
        self.asked = []  # the commands received, in order
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self._stop = False

    def start(self):
        self.sock.listen(64)
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def stop(self):
        self._stop = True
        self.sock.close()

    def _accept(self):
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    @staticmethod
    def _read_command(f):
        line = f.readline()
        if not line:
            return None
        n = int(line[1:])
        args = []
        for _ in range(n):
            size = int(f.readline()[1:])
            args.append(f.read(size + 2)[:-2].decode())
        return args

    def _answer(self, args):
        self.asked.append(args)
        cmd = [a.upper() for a in args[:2]]
        if cmd[0] == "PING":
            return b"+PONG\r\n"
        if cmd[0] == "AUTH":
            return b"+OK\r\n"
        if cmd[0] == "SENTINEL" and len(args) == 3:
            if args[2] != self.master:
                return b"-ERR No such master with that name\r\n"
            if cmd[1] == "MASTER":
                host, port = self.primary
                return _fields(
                    {
                        "name": self.master,
                        "ip": host,
                        "port": port,
                        "flags": self.flags,
                        "config-epoch": self.config_epoch,
                    }
                )
            if cmd[1] == "REPLICAS":
                return _array(
                    [
                        _fields({"ip": h, "port": p, "flags": "slave", "master-link-status": "ok"})
                        for h, p in self.replicas
                    ]
                )
        return b"-ERR unknown command\r\n"

    def _serve(self, conn):
        with conn, conn.makefile("rb") as f:
            while not self._stop:
                try:
                    args = self._read_command(f)
                    if args is None:
                        return
                    conn.sendall(self._answer(args))
                except (OSError, ValueError):
                    return
