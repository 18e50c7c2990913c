"""omegactl's command line: the global options, the registry of subcommands, and main().

Each group of subcommands lives in a module of its own with a `register(add)` function; a
new group is one module and one entry in COMMAND_MODULES. `add(name, run, help)` returns the
subcommand's parser (for its own arguments); `run(ctx, args)` returns the exit code.
`add(..., formats=False)` leaves `-o/--output json|table` off that subcommand, for one that
writes something else (generated code, a file) and wants `-o` for itself; the chosen format
is `args.output_format`, so a subcommand's own `--output` does not collide with it."""

import argparse
import os
import sys

from . import argtypes, cmd_change, cmd_codegen, cmd_fleet, cmd_read, cmd_watch
from .client import DEFAULT_TIMEOUT, DEFAULT_URL, Client
from .credentials import load_credential
from .exits import EXIT_CODES_HELP, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, CtlError, HttpFailure
from .output import FORMATS, Output

COMMAND_MODULES = (cmd_read, cmd_change, cmd_fleet, cmd_watch, cmd_codegen)


class Context:
    """What a subcommand works with: the client of the daemon and the output."""

    def __init__(self, client, out):
        self.client = client
        self.out = out


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


EPILOG = (
    """\
environment:
  OMEGA_SETTINGS_URL  the daemon's URL when --url is not given (else http://127.0.0.1:9421)
  OMEGA_ADMIN_TOKEN   the admin credential when --token-file is not given
  OMEGA_CACERT        the CA file for an https:// daemon when --cacert is not given

output: -o json (the default when stdout is not a terminal) prints the API's JSON;
  -o table (the default on a terminal) prints columns. Errors go to stderr: the API's
  message and every detail (one JSON line with -o json).

"""
    + EXIT_CODES_HELP
)


def _common_options(defaults, formats=True):
    """Global options, accepted before or after the command (SUPPRESS keeps a value given
    before the command from being overwritten by the command's parser). formats=False:
    without -o/--output (see the module's docstring)."""
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
        type=argtypes.positive_float,
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
    g = p.add_argument_group("output")
    if formats:
        g.add_argument(
            "-o",
            "--output",
            dest="output_format",
            choices=FORMATS,
            default=d(None),
            help="json (the API's JSON; the default when stdout is not a terminal) or table (the default on one)",
        )
    g.add_argument("-c", "--compact", action="store_true", default=d(False), help="one-line JSON instead of indented")
    return p


def build_parser():
    parser = _Parser(
        prog="omegactl",
        allow_abbrev=False,
        parents=[_common_options(True)],
        description="Admin CLI for omega-settingsd: read, change, diff, blame, roll back and watch the OMEGA "
        "settings, and see which version its readers run.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    common = _common_options(False)
    common_without_formats = _common_options(False, formats=False)

    def add(name, run, help_text, formats=True):
        p = sub.add_parser(
            name,
            parents=[common if formats else common_without_formats],
            help=help_text,
            allow_abbrev=False,
            description=help_text,
            epilog=EPILOG,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        p.set_defaults(func=run, subparser=p)
        return p

    for module in COMMAND_MODULES:
        module.register(add)
    return parser


def _client(args):
    environ = os.environ
    url = args.url or environ.get("OMEGA_SETTINGS_URL") or DEFAULT_URL
    secret = load_credential(args.token_file, args.hmac_key_name, environ)
    cacert = args.cacert or environ.get("OMEGA_CACERT") or None
    return Client(url, secret, args.hmac_key_name, args.timeout, cacert)


def main(argv=None):
    """Runs omegactl; returns the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    _Parser.argv = tuple(argv)
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # argparse: --help (0) or a usage error (2)
        return e.code if isinstance(e.code, int) else EXIT_USAGE
    out = Output(args.output_format, args.compact)
    try:
        try:
            return args.func(Context(_client(args), out), args)
        except SystemExit as e:  # a subparser's usage error
            return e.code if isinstance(e.code, int) else EXIT_USAGE
        except CtlError as e:
            out.error(e.payload())
            return e.exit_code
        except HttpFailure as e:
            out.error(e.payload)
            return e.exit_code
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
