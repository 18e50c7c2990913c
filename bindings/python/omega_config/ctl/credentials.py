"""The admin credential: where omegactl reads it, and how it signs a request with it.

The token comes from --token-file FILE (or `-` for stdin) or $OMEGA_ADMIN_TOKEN, never from
a command-line value (it would show in `ps`), and no message ever repeats any part of it."""

import hashlib
import hmac
import secrets
import sys
import time

from .exits import EXIT_USAGE, CtlError


def _valid_name(name):
    # The daemon's rule (daemon/src/auth.cc valid_name) for the `name:` of a token-file line.
    return 0 < len(name) <= 64 and all(c.isascii() and (c.isalnum() or c in "_-.@") for c in name)


def _parse_token_lines(text):
    """(name or None, secret) per credential line, as the daemon reads --admin-token-file."""
    creds = []
    for raw in text.split("\n"):
        line = raw.strip(" \t\r\n\v\f")
        if not line or line.startswith("#"):
            continue
        name, secret = None, line
        colon = line.find(":")
        if colon >= 0 and _valid_name(line[:colon]):
            name, secret = line[:colon], line[colon + 1 :]
        creds.append((name, secret))
    return creds


def load_credential(token_file, key_name, environ):
    """The admin secret, or None. Never echoes any part of it in an error."""
    if token_file is not None:
        # The file's name is not repeated in messages: a token pasted as the "file name" by
        # mistake must not end up in a log.
        where = "from standard input" if token_file == "-" else "(--token-file)"
        try:
            if token_file == "-":
                text = sys.stdin.read()
            else:
                with open(token_file, encoding="utf-8") as f:
                    text = f.read()
        except (OSError, UnicodeDecodeError) as e:
            reason = e.strerror if isinstance(e, OSError) and e.strerror else type(e).__name__
            raise CtlError(EXIT_USAGE, "bad_token_file", f"cannot read the token file {where}: {reason}")
        creds = _parse_token_lines(text)
        if not creds:
            raise CtlError(EXIT_USAGE, "bad_token_file", f"the token file {where} holds no credential")
        secret = None
        if key_name is not None:
            named = [s for n, s in creds if n == key_name]
            if named:
                secret = named[0]
            elif len(creds) == 1:
                secret = creds[0][1]  # a file holding only the key itself
            else:
                raise CtlError(
                    EXIT_USAGE,
                    "bad_token_file",
                    f"the token file {where} has no line for key {key_name!r} (name:token)",
                )
        else:
            secret = creds[0][1]
        source = f"the token file {where}"
    else:
        secret = environ.get("OMEGA_ADMIN_TOKEN")
        if secret is None or secret.strip() == "":
            return None
        secret = secret.strip()
        source = "$OMEGA_ADMIN_TOKEN"
    if not secret or any(not (0x21 <= ord(c) <= 0x7E) for c in secret):
        raise CtlError(
            EXIT_USAGE,
            "bad_credential",
            f"the admin token from {source} is empty or holds spaces, control or non-ASCII characters",
        )
    return secret


def sign(secret, method, path, body, ts=None, nonce=None):
    """The OMEGA-HMAC-SHA256 signature: hex(HMAC-SHA256(secret, METHOD\\nPATH\\nts\\nnonce\\nhex(SHA256(body))))."""
    ts = str(int(time.time()) if ts is None else ts)
    nonce = nonce or secrets.token_hex(16)
    message = "\n".join([method, path, ts, nonce, hashlib.sha256(body).hexdigest()]).encode()
    sig = hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
    return ts, nonce, sig
