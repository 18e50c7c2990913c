"""The HTTP client of omegactl: one request to omega-settingsd, and every way it can fail.

Standard library only. No proxy from the environment (the token would go to it), no
redirects (the Authorization header stays with the daemon); HTTPS verifies the daemon's
certificate. A transport failure is a CtlError with exit code 3; an answer that is not a
success is an HttpFailure carrying the daemon's JSON error."""

import http.client
import json
import re
import socket
import ssl
import urllib.error
import urllib.parse
import urllib.request

from .. import _core
from .credentials import sign
from .exits import EXIT_UNREACHABLE, EXIT_USAGE, CtlError, HttpFailure

DEFAULT_URL = "http://127.0.0.1:9421"
DEFAULT_TIMEOUT = 10.0
USER_AGENT = f"omegactl/{_core.version_string()}"


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

    def request(self, method, endpoint, body=None, query=None, headers=None, timeout=None):
        """(status, headers, parsed JSON or None, raw bytes). Transport failures raise CtlError(3).
        `timeout` overrides --timeout for this request (a long poll waits longer)."""
        timeout = self.timeout if timeout is None else timeout
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
                with self.opener.open(req, timeout=timeout) as resp:
                    status, rheaders, raw = resp.status, resp.headers, resp.read()
            except urllib.error.HTTPError as e:
                status, rheaders = e.code, e.headers
                try:
                    raw = e.read()
                finally:
                    e.close()
        except urllib.error.URLError as e:
            raise self._transport_error(e.reason, timeout)
        except (OSError, http.client.HTTPException) as e:
            raise self._transport_error(e, timeout)
        try:
            parsed = json.loads(raw.decode("utf-8")) if raw else None
        except (UnicodeDecodeError, ValueError):
            parsed = None
        return status, rheaders, parsed, raw

    def _transport_error(self, reason, timeout):
        if isinstance(reason, (socket.timeout, TimeoutError)):
            return CtlError(
                EXIT_UNREACHABLE,
                "timeout",
                f"omega-settingsd at {self.display_url} did not answer within {timeout:g} s (--timeout)",
            )
        if isinstance(reason, (http.client.HTTPException, ConnectionResetError)):
            return CtlError(
                EXIT_UNREACHABLE,
                "no_answer",
                f"omega-settingsd at {self.display_url} closed the connection without an answer "
                f"({type(reason).__name__})",
            )
        if isinstance(reason, ssl.SSLCertVerificationError):
            return CtlError(
                EXIT_UNREACHABLE,
                "tls_verify_failed",
                f"the certificate of omega-settingsd at {self.display_url} was not accepted: "
                f"{reason.verify_message} (pass its CA with --cacert)",
            )
        if isinstance(reason, ssl.SSLError):
            return CtlError(
                EXIT_UNREACHABLE,
                "tls_failed",
                f"TLS with omega-settingsd at {self.display_url} failed: {reason.reason or reason} "
                "(is it an https:// daemon? is --cacert right?)",
            )
        text = getattr(reason, "strerror", None) or str(reason) or type(reason).__name__
        return CtlError(
            EXIT_UNREACHABLE,
            "connection_failed",
            f"cannot connect to omega-settingsd at {self.display_url}: {text} "
            "(is it running? set --url or OMEGA_SETTINGS_URL)",
        )

    def call(self, method, endpoint, body=None, query=None, headers=None, ok=(200,), timeout=None):
        status, rheaders, parsed, raw = self.request(method, endpoint, body, query, headers, timeout)
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
            "details": [{"key": "", "message": snippet}] if snippet else [],
        }
