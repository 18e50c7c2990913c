"""omegactl: the admin command line of omega-settingsd (the single writer).

    omegactl get                                  # GET /config (secrets masked)
    omegactl patch LOG_LEVEL=DEBUG REQUEST_TIMEOUT=45 [--expected-version N]
    omegactl reload                               # POST /config/reload
    omegactl history [--limit N]                  # GET /config/history
    omegactl rollback N [--expected-version M]    # POST /config/rollback
    omegactl watch [--count N] [--since V]        # one JSON line per new version
    omegactl codegen --lang python|cpp [--schema FILE] [-o OUT]   # typed settings from the schema

Standard library only. JSON goes to stdout, errors (the daemon's JSON error, or a local
one in the same shape) to stderr. Exit codes: 0 ok, 1 the daemon answered an HTTP error,
2 usage or local configuration error, 3 cannot reach the daemon (refused, timeout, no
answer). The admin credential comes from --token-file FILE or $OMEGA_ADMIN_TOKEN, never
from a command-line value, and is never printed.
"""

import argparse
import hashlib
import hmac
import http.client
import json
import math
import os
import re
import secrets
import socket
import ssl
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

from . import _core

__all__ = ["main", "parse_assignment", "sign"]

DEFAULT_URL = "http://127.0.0.1:9421"
DEFAULT_TIMEOUT = 10.0
EXIT_OK, EXIT_HTTP, EXIT_USAGE, EXIT_CONNECT = 0, 1, 2, 3
EXIT_INTERRUPTED = 130
USER_AGENT = f"omegactl/{_core.version_string()}"


class CtlError(Exception):
    """A failure reported as `{"error","message","details"}` on stderr with an exit code."""

    def __init__(self, exit_code, error, message, details=None):
        super().__init__(message)
        self.exit_code = exit_code
        self.error = error
        self.message = message
        self.details = details or []

    def payload(self):
        return {"error": self.error, "message": self.message, "details": self.details}


class HttpFailure(Exception):
    """The daemon answered with a status that is not a success."""

    def __init__(self, status, payload):
        super().__init__(status)
        self.status = status
        self.payload = payload


# --------------------------------------------------------------------------- credentials


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


# --------------------------------------------------------------------------- HTTP


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # A redirect would carry the Authorization header somewhere else: never follow one.
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_USERINFO = re.compile(r"^([^:/?#]*:?//)?[^/?#]*@")


def redact_url(url):
    """``url`` with any user:password@ in its netloc replaced by ``***@``: safe to print."""
    url = str(url)
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        parts = None
    if parts is not None and "@" in parts.netloc:
        host = parts.netloc.rpartition("@")[2]
        return urllib.parse.urlunsplit(parts._replace(netloc="***@" + host))
    if parts is None or "@" in url.split("?", 1)[0].split("#", 1)[0]:
        # Unparseable, or an "@" urlsplit did not see in the netloc: cut it all.
        return _USERINFO.sub(lambda m: (m.group(1) or "") + "***@", url)
    return url


class Client:
    def __init__(self, base_url, secret=None, key_name=None, timeout=DEFAULT_TIMEOUT, cacert=None):
        shown = redact_url(base_url)
        try:
            parsed = urllib.parse.urlsplit(base_url)
        except ValueError:
            raise CtlError(EXIT_USAGE, "bad_url", f"--url cannot be parsed: {shown!r}")
        if "@" in parsed.netloc:
            # Credentials in the URL would end up in messages, logs and proxies'
            # records: refuse them, without echoing them.
            raise CtlError(
                EXIT_USAGE,
                "bad_url",
                f"--url must not contain credentials (user:password@): {shown!r}; "
                "pass the token with --token-file or OMEGA_ADMIN_TOKEN",
            )
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise CtlError(EXIT_USAGE, "bad_url", f"--url must be http://HOST:PORT or https://HOST:PORT, not {shown!r}")
        try:
            _ = parsed.port  # raises on a port that is not a number in range
        except ValueError:
            raise CtlError(EXIT_USAGE, "bad_url", f"--url has an invalid port: {shown!r}")
        self.base_url = base_url.rstrip("/")
        # What messages name: the URL with its netloc redacted (there is no
        # userinfo left to hide once the check above passed; belt and braces).
        self.display_url = redact_url(self.base_url)
        self.prefix = parsed.path.rstrip("/")
        self.secret = secret
        self.key_name = key_name
        self.timeout = timeout
        # No proxies from the environment (the token would go to them) and no redirects. HTTPS
        # verifies the daemon's certificate: against --cacert, else the system's CA store.
        try:
            tls = ssl.create_default_context(cafile=cacert)
        except OSError as e:
            raise CtlError(EXIT_USAGE, "bad_cacert", f"--cacert {cacert}: {e.strerror or e}")
        self.opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({}), urllib.request.HTTPSHandler(context=tls), _NoRedirect()
        )

    def _authorization(self, method, path, body):
        if self.secret is None:
            return None
        if self.key_name is None:
            return "Bearer " + self.secret
        ts, nonce, sig = sign(self.secret, method, path, body)
        return f"OMEGA-HMAC-SHA256 key={self.key_name},ts={ts},nonce={nonce},sig={sig}"

    def request(self, method, endpoint, body=None, query=None, headers=None):
        """(status, headers, parsed JSON or None, raw bytes). Transport failures raise CtlError(3)."""
        path = self.prefix + endpoint
        url = self.base_url + endpoint + ("?" + urllib.parse.urlencode(query) if query else "")
        data = None if body is None else json.dumps(body, ensure_ascii=False, allow_nan=False).encode("utf-8")
        hdrs = {"User-Agent": USER_AGENT, "Accept": "application/json"}
        if data is not None:
            hdrs["Content-Type"] = "application/json"
        hdrs.update(headers or {})
        auth = self._authorization(method, path, data or b"")
        if auth is not None:
            hdrs["Authorization"] = auth
        req = urllib.request.Request(url, data=data, method=method, headers=hdrs)
        try:
            try:
                with self.opener.open(req, timeout=self.timeout) as resp:
                    status, rheaders, raw = resp.status, resp.headers, resp.read()
            except urllib.error.HTTPError as e:
                status, rheaders = e.code, e.headers
                try:
                    raw = e.read()
                finally:
                    e.close()
        except urllib.error.URLError as e:
            raise self._transport_error(e.reason)
        except (OSError, http.client.HTTPException) as e:
            raise self._transport_error(e)
        try:
            parsed = json.loads(raw.decode("utf-8")) if raw else None
        except (UnicodeDecodeError, ValueError):
            parsed = None
        return status, rheaders, parsed, raw

    def _transport_error(self, reason):
        if isinstance(reason, (socket.timeout, TimeoutError)):
            return CtlError(
                EXIT_CONNECT,
                "timeout",
                f"omega-settingsd at {self.display_url} did not answer within {self.timeout:g} s (--timeout)",
            )
        if isinstance(reason, (http.client.HTTPException, ConnectionResetError)):
            return CtlError(
                EXIT_CONNECT,
                "no_answer",
                f"omega-settingsd at {self.display_url} closed the connection without an answer "
                f"({type(reason).__name__})",
            )
        if isinstance(reason, ssl.SSLCertVerificationError):
            return CtlError(
                EXIT_CONNECT,
                "tls_verify_failed",
                f"the certificate of omega-settingsd at {self.display_url} was not accepted: "
                f"{reason.verify_message} (pass its CA with --cacert)",
            )
        text = getattr(reason, "strerror", None) or str(reason) or type(reason).__name__
        return CtlError(
            EXIT_CONNECT,
            "connection_failed",
            f"cannot connect to omega-settingsd at {self.display_url}: {text} "
            "(is it running? set --url or OMEGA_SETTINGS_URL)",
        )

    def call(self, method, endpoint, body=None, query=None, headers=None, ok=(200,)):
        status, rheaders, parsed, raw = self.request(method, endpoint, body, query, headers)
        if status not in ok:
            raise HttpFailure(status, self._error_payload(status, parsed, raw))
        return status, rheaders, parsed, raw

    def _error_payload(self, status, parsed, raw):
        if isinstance(parsed, dict) and "error" in parsed:
            return parsed
        snippet = raw[:200].decode("utf-8", "replace") if raw else ""
        return {
            "error": "http_error",
            "message": f"HTTP {status} from omega-settingsd at {self.display_url} (not a JSON error)",
            "details": [snippet] if snippet else [],
        }


# --------------------------------------------------------------------------- commands


def parse_assignment(text):
    """KEY=VALUE -> (KEY, value): VALUE as JSON when it parses (30, true, null, "x"), else the string."""
    key, eq, value = text.partition("=")
    key = key.strip()
    if not eq or not key:
        raise ValueError(f"expected KEY=VALUE, got an argument without a key or '=' (argument {_describe(text)})")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(f"the value of {key} is not valid UTF-8")

    def no_constants(name):
        raise ValueError(name)

    try:
        parsed = json.loads(value, parse_constant=no_constants)
    except ValueError:
        return key, value
    if not _finite(parsed):
        raise ValueError(f"the value of {key} is a number out of range")
    return key, parsed


def _describe(text):
    # Name the key part only: the value may be a secret.
    return repr(text.partition("=")[0][:64]) if "=" in text else f"of {len(text)} characters"


def _finite(value):
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, list):
        return all(_finite(v) for v in value)
    if isinstance(value, dict):
        return all(_finite(v) for v in value.values())
    return True


def _emit(obj, compact, stream=None):
    stream = stream or sys.stdout
    text = (
        json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
        if compact
        else json.dumps(obj, ensure_ascii=False, indent=2)
    )
    stream.write(text + "\n")
    stream.flush()


def _print_body(parsed, raw, compact):
    if parsed is None:
        sys.stdout.write(raw.decode("utf-8", "replace"))
        sys.stdout.flush()
    else:
        _emit(parsed, compact)


def cmd_get(client, args):
    _, _, parsed, raw = client.call("GET", "/config")
    _print_body(parsed, raw, args.compact)
    return EXIT_OK


def cmd_patch(client, args):
    updates = {}
    seen = {}
    for item in args.assignments:
        try:
            key, value = parse_assignment(item)
        except ValueError as e:
            args.subparser.error(str(e))
        if key.upper() in seen:
            args.subparser.error(f"{key} is given twice (as {seen[key.upper()]} and {key})")
        seen[key.upper()] = key
        updates[key] = value
    body = {"updates": updates}
    if args.expected_version is not None:
        body["expected_version"] = args.expected_version
    _, _, parsed, raw = client.call("POST", "/config/patch", body)
    _print_body(parsed, raw, args.compact)
    return EXIT_OK


def cmd_reload(client, args):
    _, _, parsed, raw = client.call("POST", "/config/reload")
    _print_body(parsed, raw, args.compact)
    return EXIT_OK


def cmd_history(client, args):
    query = {"limit": args.limit} if args.limit is not None else None
    _, _, parsed, raw = client.call("GET", "/config/history", query=query)
    _print_body(parsed, raw, args.compact)
    return EXIT_OK


def cmd_rollback(client, args):
    headers = {"If-Match": f'"{args.expected_version}"'} if args.expected_version is not None else None
    _, _, parsed, raw = client.call("POST", "/config/rollback", {"version": args.version}, headers=headers)
    _print_body(parsed, raw, args.compact)
    return EXIT_OK


def _version_of(parsed):
    try:
        return int(parsed["version"])
    except (TypeError, KeyError, ValueError):
        raise CtlError(EXIT_HTTP, "bad_response", 'GET /config answered without a decimal "version"')


def cmd_watch(client, args):
    """Polls GET /config with If-None-Match; one compact JSON line per new version."""
    etag = None
    last = args.since
    if last is None:
        _, rheaders, parsed, _ = client.call("GET", "/config")
        last = _version_of(parsed)
        etag = rheaders.get("ETag")
        first_poll_now = False
    else:
        first_poll_now = True
    if not args.quiet:
        sys.stderr.write(f"omegactl: watching {client.display_url} for versions after {last} (Ctrl-C to stop)\n")
        sys.stderr.flush()
    printed = 0
    lost = False
    while args.count is None or printed < args.count:
        if not first_poll_now:
            time.sleep(args.interval)
        first_poll_now = False
        try:
            status, rheaders, parsed, _ = client.call(
                "GET", "/config", headers={"If-None-Match": etag} if etag else None, ok=(200, 304)
            )
        except CtlError as e:
            if e.exit_code != EXIT_CONNECT:
                raise
            if not lost and not args.quiet:
                sys.stderr.write(f"omegactl: {e.message}; retrying\n")
                sys.stderr.flush()
            lost = True
            continue
        if lost and not args.quiet:
            sys.stderr.write(f"omegactl: reconnected to {client.display_url}\n")
            sys.stderr.flush()
        lost = False
        if status == 304:
            continue
        etag = rheaders.get("ETag")
        version = _version_of(parsed)
        if version > last:
            _emit(parsed, compact=True)
            last = version
            printed += 1
    return EXIT_OK


# --------------------------------------------------------------------------- arguments


def _positive_float(text):
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}")
    if not math.isfinite(v) or v <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds: {text!r}")
    return v


def _positive_int(text):
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}")
    if v < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {text!r}")
    return v


def _version(text):
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a version number: {text!r}")
    if v < 0:
        raise argparse.ArgumentTypeError(f"a version is not negative: {text!r}")
    return v


def cmd_codegen(client, args):
    """The schema from --schema FILE, else the daemon's GET /config/schema, as typed code."""
    from . import codegen

    try:
        if args.schema is not None:
            schema, source = codegen.load_schema(args.schema), f" from {os.path.basename(args.schema)}"
        else:
            _, _, schema, _ = client.call("GET", "/config/schema")
            source = " from GET /config/schema"
            if not isinstance(schema, dict):
                raise codegen.SchemaError("GET /config/schema did not answer a JSON object")
        text = codegen.generate(schema, args.lang, args.name, source)
        codegen.write_output(text, args.output)
    except codegen.SchemaError as e:
        raise CtlError(EXIT_USAGE, "bad_schema", str(e))
    except OSError as e:
        raise CtlError(EXIT_USAGE, "cannot_write", f"cannot write {args.output}: {e.strerror or e}")
    return EXIT_OK


def _redacted(word):
    """What an error message may show of a command-line word: a KEY=VALUE keeps its key, a
    long word (a token pasted by mistake, `--token SECRET`) shows as <redacted>."""
    if "=" in word:
        return word.split("=", 1)[0] + "=<redacted>"
    return "<redacted>" if len(word) >= 16 else word


class _Parser(argparse.ArgumentParser):
    """argparse quotes the offending argument in its errors; that argument may be a secret."""

    argv = ()

    def error(self, message):
        words = sorted({w for w in self.argv if _redacted(w) != w}, key=len, reverse=True)
        for w in words:
            message = message.replace(w, _redacted(w))
        token = os.environ.get("OMEGA_ADMIN_TOKEN", "").strip()
        if token:
            message = message.replace(token, "<redacted>")
        super().error(message)


EPILOG = """\
environment:
  OMEGA_SETTINGS_URL  the daemon's URL when --url is not given (else http://127.0.0.1:9421)
  OMEGA_ADMIN_TOKEN   the admin credential when --token-file is not given

exit codes: 0 ok, 1 HTTP error from the daemon (its JSON error on stderr),
            2 usage, 3 cannot connect (refused, timeout, no answer)
"""


def _common_options(defaults):
    """Global options, accepted before or after the command (SUPPRESS keeps a value given
    before the command from being overwritten by the command's parser)."""
    p = _Parser(add_help=False, allow_abbrev=False)
    d = (lambda v: v) if defaults else (lambda v: argparse.SUPPRESS)
    g = p.add_argument_group("connection")
    g.add_argument(
        "--url",
        default=d(None),
        help="omega-settingsd base URL (default $OMEGA_SETTINGS_URL, else " + DEFAULT_URL + ")",
    )
    g.add_argument(
        "--token-file",
        metavar="FILE",
        default=d(None),
        help="file holding the admin token ('-' for stdin); a daemon token file "
        "(name:token lines, # comments) works too. Default: $OMEGA_ADMIN_TOKEN",
    )
    g.add_argument(
        "--hmac-key-name",
        metavar="NAME",
        default=d(None),
        help="sign requests with OMEGA-HMAC-SHA256 as key NAME instead of sending a bearer token",
    )
    g.add_argument(
        "--timeout",
        type=_positive_float,
        metavar="SECONDS",
        default=d(DEFAULT_TIMEOUT),
        help=f"per-request timeout (default {DEFAULT_TIMEOUT:g})",
    )
    g.add_argument(
        "--cacert",
        metavar="FILE",
        default=d(None),
        help="CA certificate(s) to verify an https:// daemon with (default $OMEGA_CACERT, else the system's)",
    )
    g.add_argument("-c", "--compact", action="store_true", default=d(False), help="one-line JSON instead of indented")
    return p


def build_parser():
    parser = _Parser(
        prog="omegactl",
        allow_abbrev=False,
        parents=[_common_options(True)],
        description="Admin CLI for omega-settingsd: read, patch, reload, roll back and watch the OMEGA settings.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    common = _common_options(False)

    def add(name, func, help_text):
        p = sub.add_parser(
            name,
            parents=[common],
            help=help_text,
            allow_abbrev=False,
            description=help_text,
            epilog=EPILOG,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        p.set_defaults(func=func, subparser=p)
        return p

    add("get", cmd_get, "print the current settings (GET /config; secrets masked)")
    p = add("patch", cmd_patch, "change settings (POST /config/patch)")
    p.add_argument(
        "assignments",
        nargs="+",
        metavar="KEY=VALUE",
        help='VALUE is JSON when it parses (30, true, null, "quoted"), else a string '
        "(LOG_LEVEL=debug); null unsets the key",
    )
    p.add_argument(
        "--expected-version", type=_version, metavar="N", help="refuse (409) unless the current version is N"
    )
    add("reload", cmd_reload, "re-read the .env and republish (POST /config/reload)")
    p = add("history", cmd_history, "past versions, newest first (GET /config/history)")
    p.add_argument("--limit", type=_positive_int, metavar="N", help="at most N versions")
    p = add("rollback", cmd_rollback, "publish a new version equal to version N (POST /config/rollback)")
    p.add_argument("version", type=_version, metavar="N")
    p.add_argument(
        "--expected-version", type=_version, metavar="M", help="refuse (412) unless the current version is M"
    )
    p = add("watch", cmd_watch, "print one JSON line per new version until Ctrl-C (polls GET /config)")
    p.add_argument("--count", type=_positive_int, metavar="N", help="stop after N versions")
    p.add_argument(
        "--since", type=_version, metavar="V", help="print every version after V (default: the current version)"
    )
    p.add_argument("--interval", type=_positive_float, default=1.0, metavar="SECONDS", help="poll interval (default 1)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress notes on stderr")
    p = add("codegen", cmd_codegen, "typed settings from the JSON Schema: a Python Protocol or a C++ header")
    p.add_argument(
        "--lang", choices=("python", "cpp"), required=True, help="python: a Protocol (.py/.pyi); cpp: a header"
    )
    p.add_argument(
        "--schema", metavar="FILE", help="the schema file ('-': stdin); default: the daemon's GET /config/schema"
    )
    p.add_argument("-o", "--output", metavar="FILE", help="write FILE (replaced whole) instead of stdout")
    p.add_argument("--name", metavar="NAME", help="the class or struct name (default: the schema's title)")
    return parser


def main(argv=None):
    """Runs omegactl; returns the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    _Parser.argv = tuple(argv)
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # argparse: --help (0) or a usage error (2)
        return e.code if isinstance(e.code, int) else EXIT_USAGE
    try:
        try:
            environ = os.environ
            url = args.url or environ.get("OMEGA_SETTINGS_URL") or DEFAULT_URL
            secret = load_credential(args.token_file, args.hmac_key_name, environ)
            cacert = args.cacert or os.environ.get("OMEGA_CACERT") or None
            client = Client(url, secret, args.hmac_key_name, args.timeout, cacert)
            return args.func(client, args)
        except SystemExit as e:  # a subparser's usage error
            return e.code if isinstance(e.code, int) else EXIT_USAGE
        except CtlError as e:
            _emit(e.payload(), compact=True, stream=sys.stderr)
            return e.exit_code
        except HttpFailure as e:
            _emit(e.payload, compact=True, stream=sys.stderr)
            return EXIT_HTTP
        except KeyboardInterrupt:
            return EXIT_OK if getattr(args, "command", None) == "watch" else EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader of stdout went away (`omegactl watch | head -1`): stop quietly.
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
