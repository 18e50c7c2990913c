"""Validate an OMEGA settings snapshot with a team's pydantic model: omega-settingsd's
``--validate-with`` command, the pattern document's "validate via OMEGASettings".

    omega-settingsd ... --validate-with "python -m omega_config.validate myservice.settings:OMEGASettings"

Reads the candidate snapshot (a JSON object: the settings' names -> typed values, exactly as
readers get it from omega:config) from stdin and validates it with the model: the model's types
and validators decide, and nothing else is read (for a BaseSettings model not the environment,
not an env_file or secrets_dir it may name: only its init source is kept).

Snapshot keys are matched to fields the way pydantic-settings matches environment variables:
the field's alias (validation_alias or alias), else env_prefix + field name, compared
case-insensitively unless the model says ``case_sensitive=True``. A plain pydantic model matches
by name (or alias) exactly. Keys that match no field are passed as they are, so
``extra="forbid"`` still reports them.

Exit 0: valid. Exit 1: invalid; stdout holds ``ValidationError.errors()`` as JSON without the
inputs, the URLs or the context (no value is ever printed), with each loc[0] the snapshot's own
key name. Exit 2: usage error (bad argument, no such module or class, not a pydantic model,
pydantic missing, stdin not a JSON object), with the reason on stderr.

Needs pydantic 2: ``pip install 'omega-config[pydantic]'``. This file imports nothing else from
the package, so ``python .../omega_config/validate.py module:Class`` works too.
"""

import os
import sys

if not __package__:
    # Run as a file: Python put this directory first on sys.path, and its siblings (logging.py,
    # dotenv.py, ...) would shadow the modules pydantic and the model import.
    _here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _here]

import importlib
import json

USAGE = "usage: python -m omega_config.validate package.module:ClassName  (the snapshot JSON on stdin)"


class UsageError(Exception):
    """Exit 2, with this message."""


def load_model(spec):
    """The class named by 'package.module:ClassName' (the class part may be dotted)."""
    module_name, sep, qualname = spec.partition(":")
    if not sep or not module_name or not qualname:
        raise UsageError(f"{spec!r} is not package.module:ClassName")
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())  # as `python -m` does, also when run as a file
    try:
        obj = importlib.import_module(module_name)
    except Exception as e:  # the module's own import errors too: it cannot give a verdict
        raise UsageError(f"cannot import {module_name}: {type(e).__name__}: {e}") from None
    for part in qualname.split("."):
        obj = getattr(obj, part, None)
        if obj is None:
            raise UsageError(f"{module_name} has no {qualname}")
    try:
        from pydantic import BaseModel
    except ImportError:
        raise UsageError("pydantic is not installed: pip install 'omega-config[pydantic]'") from None
    if not (isinstance(obj, type) and issubclass(obj, BaseModel)):
        raise UsageError(f"{spec} is not a pydantic model class")
    return obj


def is_settings(model):
    return any(c.__name__ == "BaseSettings" for c in model.__mro__)


def field_names(model):
    """[(names the snapshot may use for the field, the key model_validate expects)]."""
    prefix = model.model_config.get("env_prefix", "") if is_settings(model) else ""
    out = []
    for name, field in model.model_fields.items():
        alias = field.validation_alias if field.validation_alias is not None else field.alias
        if isinstance(alias, str):
            out.append(([alias], alias))
        elif alias is not None and hasattr(alias, "choices"):  # AliasChoices: its plain names
            names = [c for c in alias.choices if isinstance(c, str)]
            out.append((names or [name], names[0] if names else name))
        else:
            out.append(([prefix + name], name))
    return out


def to_model_input(model, snapshot, keep_unknown=True):
    """(the dict to validate, {model key: snapshot key}) for a snapshot object. A field the
    snapshot lacks maps to the name the snapshot would give it (upper case when the model
    ignores case, as settings keys are). keep_unknown=False drops the keys that match no field,
    as pydantic-settings' environment source never sees unrelated variables (cfg.bind and
    OmegaSettingsSource: a service's model names the settings it uses, not all of them)."""
    exact = not is_settings(model) or model.model_config.get("case_sensitive", False)
    fold = (lambda s: s) if exact else str.lower
    lookup, back = {}, {}
    for env_names, input_key in field_names(model):
        for env_name in env_names:
            lookup.setdefault(fold(env_name), input_key)
        back[input_key] = env_names[0] if exact else env_names[0].upper()
    data = {}
    for key, value in snapshot.items():
        input_key = lookup.get(fold(key))
        if input_key is None:
            if not keep_unknown:
                continue
            input_key = key
        data[input_key] = value
        back[input_key] = key
    return data, back


def snapshot_only(model):
    """The model, reading nothing but what it is given. A BaseSettings model validates through
    its __init__, which would also read the environment, an env_file, secrets_dir...: a
    subclass keeps its fields and validators and drops every source but the given values."""
    if not is_settings(model):
        return model

    def settings_customise_sources(cls, settings_cls, init_settings, *other_sources, **named_sources):
        return (init_settings,)

    return type(model.__name__, (model,), {"settings_customise_sources": classmethod(settings_customise_sources)})


def build(model, snapshot, validator=None, keep_unknown=True):
    """(the validated instance, []) or (None, pydantic's errors without inputs, loc[0] named as
    in the snapshot). validator: snapshot_only(model), made once by a caller that validates
    often (each call would otherwise build a new subclass)."""
    from pydantic import ValidationError

    data, back = to_model_input(model, snapshot, keep_unknown)
    try:
        return (validator or snapshot_only(model)).model_validate(data), []
    except ValidationError as e:
        errors = []
        for err in e.errors(include_url=False, include_context=False, include_input=False):
            loc = list(err.get("loc", ()))
            if loc and loc[0] in back:
                loc[0] = back[loc[0]]
            errors.append({"type": err["type"], "loc": loc, "msg": err["msg"]})
        return None, errors


def validate(model, snapshot):
    """[] if valid, else pydantic's errors without inputs, loc[0] named as in the snapshot."""
    return build(model, snapshot)[1]


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1 or argv[0] in ("-h", "--help"):
        print(USAGE, file=sys.stderr)
        return 2
    try:
        model = load_model(argv[0])
        try:
            snapshot = json.loads(sys.stdin.buffer.read())
        except ValueError as e:
            raise UsageError(f"stdin is not JSON: {e}") from None
        if not isinstance(snapshot, dict):
            raise UsageError("stdin must be a JSON object (the settings snapshot)")
    except UsageError as e:
        print(f"omega_config.validate: {e}", file=sys.stderr)
        return 2
    errors = validate(model, snapshot)
    if not errors:
        return 0
    json.dump(errors, sys.stdout)
    sys.stdout.write("\n")
    print(f"omega_config.validate: {len(errors)} validation error(s) for {model.__name__}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
