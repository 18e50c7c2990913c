"""Redis with the deploy kit's users (deploy/redis): a users file made by
deploy/redis/make-users.sh, a redis-server that loads it, and URLs that log in as each user."""

import os
import pathlib
import subprocess
import urllib.parse

from tests.support.paths import REPO
from tests.support.redis_server import RedisServer

MAKE_USERS = REPO / "deploy" / "redis" / "make-users.sh"
SHIPPED_USERS = REPO / "deploy" / "redis" / "users.acl"
READER, WRITER, ADMIN = "omega-reader", "omega-writer", "omega-admin"
# The placeholder passwords deploy/redis/users.acl ships with (docs/operations.md).
DEV_PASSWORDS = {READER: "CHANGE-ME-omega-reader-dev-password", WRITER: "CHANGE-ME-omega-writer-dev-password"}
# What the tests' generated files use.
PASSWORDS = {READER: "reader-password-" + "r" * 24, WRITER: "writer-password-" + "w" * 24, ADMIN: "admin-" + "a" * 30}


def make_users_file(path: pathlib.Path, passwords=PASSWORDS, db=0, prefix="") -> pathlib.Path:
    """Runs make-users.sh with passwords from the environment, as an operator would."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OMEGA_")}
    for user, var in ((READER, "READER"), (WRITER, "WRITER"), (ADMIN, "ADMIN")):
        if user in passwords:
            env[f"OMEGA_{var}_PASSWORD"] = passwords[user]
    env["OMEGA_REDIS_DB"] = str(db)
    if prefix:
        env["OMEGA_KEY_PREFIX"] = prefix
    subprocess.run(["bash", str(MAKE_USERS), str(path)], env=env, check=True)
    return path


def acl_redis(users_file, tls=None, login=ADMIN, passwords=PASSWORDS) -> RedisServer:
    """A started redis-server with `users_file` as its --aclfile; the harness's own client
    (start-up PING, redis_keys) logs in as `login`."""
    server = RedisServer(tls=tls, username=login, password=passwords[login], extra_args=["--aclfile", str(users_file)])
    return server.start()


def user_url(server: RedisServer, user, password, db=0) -> str:
    """The URL a reader or the daemon is given to log in as `user`."""
    auth = f"{urllib.parse.quote(user)}:{urllib.parse.quote(password)}@"
    if server.tls:
        return f"rediss://{auth}127.0.0.1:{server.port}/{db}?ssl_ca_certs={server.tls.ca}"
    return f"redis://{auth}127.0.0.1:{server.port}/{db}"


def client_as(server: RedisServer, user, password, db=0):
    """A redis-py client logged in as `user` (None, None: not logged in at all)."""
    return server.client(username=user, password=password, db=db)
