"""omegactl's exit codes and the two failures every command can end with.

A script tells outcomes apart by the exit code alone, so each HTTP status maps to exactly one
code, here and nowhere else."""

EXIT_OK = 0
EXIT_REJECTED = 1  # the daemon answered an HTTP error
EXIT_USAGE = 2  # bad arguments, unreadable token file, bad --url
EXIT_UNREACHABLE = 3  # connection refused, timeout, TLS failure, no answer
EXIT_INTERRUPTED = 130  # Ctrl-C, except for `watch`, where it is the normal way out


def exit_code_for_status(status):
    """The exit code for an HTTP error status."""
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
