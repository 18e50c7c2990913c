"""omegactl: the admin command line of omega-settingsd (the single writer).

    omegactl get                                  # GET /config (secrets masked)
    omegactl patch LOG_LEVEL=DEBUG REQUEST_TIMEOUT=45 [--expected-version N]
    omegactl reload                               # POST /config/reload
    omegactl history [--limit N]                  # GET /config/history
    omegactl rollback N [--expected-version M]    # POST /config/rollback
    omegactl watch [--count N] [--since V]        # one JSON line per new version

Standard library only. The package's modules, each with one job: `cli` (options, the
registry of subcommands, main), `client` (HTTP), `credentials` (the admin token, HMAC
signing), `exits` (exit codes), `output`, `values` (KEY=VALUE), and one `cmd_*` module per
group of subcommands. Exit codes and docs: docs/python.md, `omegactl --help`.
"""

from .cli import build_parser, main
from .client import redact_url
from .credentials import sign
from .values import parse_assignment

__all__ = ["build_parser", "main", "parse_assignment", "redact_url", "sign"]
