"""omegactl's exit codes and the two failures every command can end with.

A script tells outcomes apart by the exit code alone, so each HTTP status maps to exactly one
code, here and nowhere else."""

EXIT_OK = 0
EXIT_REJECTED = 1  # the daemon understood the request and refused it (4xx but 401/403)
EXIT_USAGE = 2  # bad arguments, bad duration, unreadable token file, bad --url
EXIT_UNREACHABLE = 3  # connection refused, DNS, timeout, TLS failure, no answer
EXIT_NOT_ALLOWED = 4  # 401, 403: the credential is missing, wrong, or may not do this
EXIT_UNAVAILABLE = 5  # 5xx: the writer cannot act now (Redis, audit log, validator, write conflict)
EXIT_INTERRUPTED = 130  # Ctrl-C, except for `watch`, where it is the normal way out

# Shown by --help and by every command's --help.
EXIT_CODES_HELP = """\
exit codes:
  0  ok (status: writer ready, every named reader READY at the current version)
  1  rejected: the daemon refused the request (400, 404, 409, 412, 422 ...), an unknown
     KEY for `get`; status: a reader is behind, STALE or in ERROR
  2  usage: bad arguments or duration, unreadable token file, bad --url
  3  unreachable: connection refused, DNS, timeout, TLS failure, no answer
  4  not allowed: 401 (missing or wrong credential), 403 (forbidden key)
  5  writer unavailable: 503 (Redis, audit log, validator, write conflict, busy) or
     another 5xx; status: /readyz says not ready
"""


def exit_code_for_status(status):
    """The exit code for an HTTP error status: 401/403 -> 4, 5xx -> 5, any other -> 1."""
    if status in (401, 403):
        return EXIT_NOT_ALLOWED
    if status >= 500:
        return EXIT_UNAVAILABLE
    return EXIT_REJECTED


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
    """The daemon answered with a status that is not a success; `payload` is its JSON error."""

    def __init__(self, status, payload):
        super().__init__(status)
        self.status = status
        self.payload = payload

    @property
    def exit_code(self):
        return exit_code_for_status(self.status)
