"""codegen: typed settings from the JSON Schema (a Python Protocol or a C++ header).

It prints code, not an API document, so it is registered without `-o json|table` and uses
`-o FILE` for where to write (the generator itself is omega_config.codegen)."""

import os

from .exits import EXIT_OK, EXIT_USAGE, CtlError


def register(add):
    p = add(
        "codegen",
        run_codegen,
        "typed settings from the JSON Schema: a Python Protocol or a C++ header",
        formats=False,
    )
    p.add_argument(
        "--lang", choices=("python", "cpp"), required=True, help="python: a Protocol (.py/.pyi); cpp: a header"
    )
    p.add_argument(
        "--schema", metavar="FILE", help="the schema file ('-': stdin); default: the daemon's GET /config/schema"
    )
    p.add_argument("-o", "--output", metavar="FILE", help="write FILE (replaced whole) instead of stdout")
    p.add_argument("--name", metavar="NAME", help="the class or struct name (default: the schema's title)")


def run_codegen(ctx, args):
    """The schema from --schema FILE, else the daemon's GET /config/schema, as typed code."""
    from .. import codegen  # here: every other command starts without loading the generator

    try:
        if args.schema is not None:
            schema, source = codegen.load_schema(args.schema), f" from {os.path.basename(args.schema)}"
        else:
            _, _, schema, _ = ctx.client.call("GET", "/config/schema")
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
