"""omegactl: the admin command line of omega-settingsd (the single writer).

    omegactl get [KEY]                       # GET /config, or one value, bare
    omegactl patch KEY=VALUE... [--dry-run] [--comment TEXT] [--for 15m] [--expect-version N]
    omegactl rollback N [--dry-run] [--comment TEXT] [--expect-version M]
    omegactl reload [--comment TEXT]
    omegactl history [--limit N] | diff N [M] | blame [KEY]
    omegactl readers | status                # the fleet; status exits 0 when all are current
    omegactl watch [--count N] [--since V]   # long-polls; each new version and its diff
    omegactl codegen --lang python|cpp [--schema FILE] [-o OUT]   # typed settings from the schema

Standard library only. The package's modules, each with one job: `cli` (options, the
registry of subcommands, main), `client` (HTTP), `credentials` (the admin token, HMAC
signing), `exits` (exit codes), `output` (json or table), `tables`, `durations`, `values`
(KEY=VALUE), and one `cmd_*` module per group of subcommands. Reference: docs/omegactl.md.
"""

from .cli import build_parser, main
from .client import redact_url
from .credentials import sign
from .values import parse_assignment

__all__ = ["build_parser", "main", "parse_assignment", "redact_url", "sign"]
