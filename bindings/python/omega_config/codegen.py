"""omegactl codegen: typed access to the settings, generated from their JSON Schema (what
pydantic's ``model_json_schema()`` gives, the file omega-settingsd validates against).

    omegactl codegen --schema omega.schema.json --lang python -o omega_settings_types.py
    omegactl codegen --schema omega.schema.json --lang cpp -o omega_settings.h

python: a ``typing.Protocol`` whose read-only properties are the settings with the types the
cache returns (``request_timeout: int``, ``log_level: Literal["DEBUG", ...]``). ConfigManager
satisfies it (its settings are dynamic attributes), so ``settings: OMEGASettings = cfg`` makes
``settings.request_timeout`` an ``int`` to mypy. Valid as a ``.py`` module or a ``.pyi`` stub.

cpp: a header of static typed accessors over the C API of ``omega_config.h``
(``std::optional<int64_t> OMEGASettings::request_timeout(omega_cfg*)``), with an ``enum class``
per choice of strings.

Standard library only. Types follow the snapshot, not pydantic: a SecretStr or an HttpUrl is
a ``str`` there, a set a list, a ``dict[Enum, X]`` a ``dict[str, X]``. A setting that is
optional or has no value reads as absent: the attribute raises MissingConfigError, the C++
accessor returns ``std::nullopt``; the types say what a present value is.
"""

from __future__ import annotations

import json
import keyword
import re
from dataclasses import dataclass, field
from typing import Any, Optional

__all__ = ["SchemaError", "Setting", "cpp_header", "python_protocol", "read_settings"]


class SchemaError(ValueError):
    """The schema is not one this generator reads (with what to change)."""


@dataclass
class Kind:
    """A value's shape: "str", "int", "float", "bool", "enum", "list", "dict" or "any"."""

    name: str
    choices: tuple[Any, ...] = ()  # enum members
    enum_name: Optional[str] = None  # the $defs name of an enum, if it has one
    item: Optional[Kind] = None  # list items, dict values


@dataclass
class Setting:
    key: str
    kind: Kind
    required: bool
    description: str = ""
    default: Any = field(default=None)
    has_default: bool = False


# -- reading the schema ------------------------------------------------------------------


def read_settings(schema: dict[str, Any]) -> list[Setting]:
    """The settings of a top-level object schema, in key order."""
    if not isinstance(schema, dict) or not isinstance(schema.get("properties"), dict):
        raise SchemaError('the schema has no "properties": give the model\'s model_json_schema()')
    defs = {**schema.get("definitions", {}), **schema.get("$defs", {})}
    required = set(schema.get("required", ()))
    out = []
    for key in sorted(schema["properties"]):
        prop = schema["properties"][key]
        kind = _kind(prop, defs, key, ())
        out.append(
            Setting(
                key=key,
                kind=kind,
                required=key in required,
                description=str(prop.get("description", "")),
                default=prop.get("default"),
                has_default="default" in prop,
            )
        )
    return out


def _deref(node: dict[str, Any], defs: dict[str, Any], where: str, seen: tuple[str, ...]) -> tuple[dict, Optional[str]]:
    ref = node.get("$ref")
    if ref is None:
        return node, None
    match = re.fullmatch(r"#/(?:\$defs|definitions)/([^/]+)", ref)
    if not match or match.group(1) not in defs:
        raise SchemaError(f"{where}: $ref {ref!r} does not point into the schema's own $defs")
    name = match.group(1)
    if name in seen:
        raise SchemaError(f"{where}: $ref cycle through {name}")
    return defs[name], name


def _kind(node: Any, defs: dict[str, Any], where: str, seen: tuple[str, ...]) -> Kind:
    if not isinstance(node, dict):
        return Kind("any")
    node, ref_name = _deref(node, defs, where, seen)
    if ref_name is not None:
        seen = (*seen, ref_name)
    for wrapper in ("allOf", "anyOf"):
        parts = node.get(wrapper)
        if isinstance(parts, list):
            non_null = [p for p in parts if not (isinstance(p, dict) and p.get("type") == "null")]
            if len(non_null) == 1:  # Optional[X], or pydantic's allOf: [{"$ref": ...}]
                return _kind(non_null[0], defs, where, seen)
            return Kind("any")
    if "enum" in node or "const" in node:
        choices = tuple(node["enum"]) if "enum" in node else (node["const"],)
        choices = tuple(c for c in choices if c is not None)
        return Kind("enum", choices=choices, enum_name=ref_name)
    t = node.get("type")
    if isinstance(t, list):
        non_null = [x for x in t if x != "null"]
        t = non_null[0] if len(non_null) == 1 else None
    if t == "string":
        return Kind("str")
    if t == "integer":
        return Kind("int")
    if t == "number":
        return Kind("float")
    if t == "boolean":
        return Kind("bool")
    if t == "array":
        return Kind("list", item=_kind(node.get("items", {}), defs, f"{where}[]", seen))
    if t == "object":
        values = node.get("additionalProperties", {})
        return Kind("dict", item=_kind(values if isinstance(values, dict) else {}, defs, f"{where}{{}}", seen))
    return Kind("any")


def _enums(settings: list[Setting]) -> dict[str, Kind]:
    """The named ($defs) enums the settings use, by name."""
    found: dict[str, Kind] = {}

    def visit(kind: Optional[Kind]) -> None:
        if kind is None:
            return
        if kind.name == "enum" and kind.enum_name:
            found.setdefault(kind.enum_name, kind)
        visit(kind.item)

    for s in settings:
        visit(s.kind)
    return found


def _class_name(schema: dict[str, Any], override: Optional[str]) -> str:
    name = override or str(schema.get("title") or "Settings")
    name = re.sub(r"\W", "_", name)
    if not name or name[0].isdigit() or keyword.iskeyword(name):
        name = "Settings_" + name
    return name


# -- python ------------------------------------------------------------------------------


def _py_type(kind: Kind) -> str:
    if kind.name == "enum":
        if kind.enum_name and kind.enum_name.isidentifier():
            return kind.enum_name
        return _py_literal(kind.choices)
    if kind.name == "list":
        return f"list[{_py_type(kind.item)}]"  # type: ignore[arg-type]
    if kind.name == "dict":
        return f"dict[str, {_py_type(kind.item)}]"  # type: ignore[arg-type]
    return {"str": "str", "int": "int", "float": "float", "bool": "bool"}.get(kind.name, "Any")


def _py_literal(choices: tuple[Any, ...]) -> str:
    usable = [c for c in choices if isinstance(c, (str, int, bool)) and not isinstance(c, float)]
    if not usable or len(usable) != len(choices):
        return "Any"
    return "Literal[" + ", ".join(json.dumps(c) if isinstance(c, str) else repr(c) for c in usable) + "]"


def _reserved_attributes() -> frozenset[str]:
    # Names ConfigManager itself defines: a setting with one of them is read upper-case only.
    try:
        from .manager import _RESERVED
    except ImportError:  # run without the compiled core: the public API's names
        return frozenset({"get", "get_int", "get_float", "get_bool", "require", "on_reload", "off_reload",
                          "snapshot", "version", "status", "closed", "close", "changes", "wait_for_version",
                          "aclose", "bind"})  # fmt: skip
    return _RESERVED


def python_protocol(schema: dict[str, Any], class_name: Optional[str] = None, source: str = "") -> str:
    """A module (or stub) with a Protocol of the settings' attributes, in lower and upper case."""
    settings = read_settings(schema)
    name = _class_name(schema, class_name)
    reserved = _reserved_attributes()
    enums = _enums(settings)
    lines = [
        f'"""Typed settings of {name}: generated by `omegactl codegen --lang python`{source}. Do not edit.',
        "",
        "    from omega_config import create_config_manager",
        "",
        "    cfg = create_config_manager()",
        f"    settings: {name} = cfg  # the same object, typed: settings.request_timeout is an int",
        "",
        "An absent (or null) setting raises MissingConfigError when read; read an optional one with",
        'cfg.get("KEY"), which returns None. Valid as a .py module and as a .pyi stub.',
        '"""',
        "",
        "{imports}",
        "",
    ]
    aliases = [f"{n} = {_py_literal(k.choices)}" for n, k in sorted(enums.items()) if n.isidentifier()]
    if aliases:
        lines += [*aliases, ""]
    lines += ["", f"class {name}(Protocol):"]
    body = []
    for s in settings:
        t = _py_type(s.kind)
        note = _describe(s)
        for attr in dict.fromkeys((s.key.lower(), s.key.upper())):
            if not attr.isidentifier() or keyword.iskeyword(attr) or attr.startswith("_"):
                continue
            if attr in reserved:
                continue  # a ConfigManager method has this name: cfg.KEY reads the setting
            body += ["    @property", f"    def {attr}(self) -> {t}:", f'        """{note}"""', ""]
    if not body:
        body = ["    pass", ""]
    lines += body
    text = "\n".join(lines).rstrip() + "\n"
    used = [n for n in ("Any", "Literal") if re.search(rf"\b{n}\b", text.split('"""', 2)[2])]
    return text.replace("{imports}", f"from typing import {', '.join([*used, 'Protocol'])}", 1)


def _describe(s: Setting) -> str:
    parts = [s.key]
    if s.description:
        parts.append(s.description.strip().replace('"""', "'''").replace("\\", "\\\\"))
    if not s.required:
        parts.append(f"default {json.dumps(s.default)}" if s.has_default and s.default is not None else "optional")
    return ": ".join(parts[:2]) + ("; " + parts[2] if len(parts) > 2 else "") + "."


# -- C++ ------------------------------------------------------------------------------------

_CPP_KEYWORDS = frozenset(
    [
        "alignas",
        "alignof",
        "and",
        "and_eq",
        "asm",
        "auto",
        "bitand",
        "bitor",
        "bool",
        "break",
        "case",
        "catch",
        "char",
        "char16_t",
        "char32_t",
        "class",
        "compl",
        "const",
        "constexpr",
        "const_cast",
        "continue",
        "decltype",
        "default",
        "delete",
        "do",
        "double",
        "dynamic_cast",
        "else",
        "enum",
        "explicit",
        "export",
        "extern",
        "false",
        "float",
        "for",
        "friend",
        "goto",
        "if",
        "inline",
        "int",
        "long",
        "mutable",
        "namespace",
        "new",
        "noexcept",
        "not",
        "not_eq",
        "nullptr",
        "operator",
        "or",
        "or_eq",
        "private",
        "protected",
        "public",
        "register",
        "reinterpret_cast",
        "return",
        "short",
        "signed",
        "sizeof",
        "static",
        "static_assert",
        "static_cast",
        "struct",
        "switch",
        "template",
        "this",
        "thread_local",
        "throw",
        "true",
        "try",
        "typedef",
        "typeid",
        "typename",
        "union",
        "unsigned",
        "using",
        "virtual",
        "void",
        "volatile",
        "wchar_t",
        "while",
        "xor",
        "xor_eq",
    ]
)


def _cpp_ident(text: str) -> str:
    name = re.sub(r"\W", "_", text)
    if not name or name[0].isdigit():
        name = "_" + name
    return name + "_" if name in _CPP_KEYWORDS else name


def _camel(text: str) -> str:
    words = [w for w in re.split(r"[^0-9A-Za-z]+", text) if w]
    return "".join(w[:1].upper() + w[1:].lower() for w in words)


def _cpp_enumerators(choices: tuple[Any, ...]) -> Optional[list[str]]:
    """kCamel names for string choices (never DEBUG: a common macro), or None when they are
    not all strings or two would get the same name."""
    if not choices or not all(isinstance(c, str) for c in choices):
        return None
    names = ["k" + (_camel(c) or "Empty") for c in choices]
    return names if len(set(names)) == len(names) else None


def _cpp_string(text: str) -> str:
    return json.dumps(text)  # a valid C++ narrow string literal for the snapshot's UTF-8 text


def cpp_header(schema: dict[str, Any], struct_name: Optional[str] = None, namespace: str = "omega_settings") -> str:
    """A header of typed accessors over the C API (include/omega_config.h)."""
    settings = read_settings(schema)
    name = _class_name(schema, struct_name)
    ns = _cpp_ident(namespace)
    guard = re.sub(r"\W", "_", f"{ns}_{name}_H").upper()
    enum_types: dict[tuple[Any, ...], str] = {}
    enum_defs: list[str] = []

    def enum_type(s_key: str, kind: Kind) -> Optional[str]:
        names = _cpp_enumerators(kind.choices)
        if names is None:
            return None
        if kind.choices in enum_types:
            return enum_types[kind.choices]
        type_name = _cpp_ident(kind.enum_name or _camel(s_key))
        enum_types[kind.choices] = type_name
        cases = "\n".join(
            f"  if (text == {_cpp_string(c)}) return {type_name}::{n};" for c, n in zip(kind.choices, names)
        )
        names_of = "\n".join(
            f"    case {type_name}::{n}: return {_cpp_string(c)};" for c, n in zip(kind.choices, names)
        )
        enum_defs.append(
            f"enum class {type_name} {{ {', '.join(names)} }};\n\n"
            f"inline const char* to_string({type_name} value) {{\n  switch (value) {{\n{names_of}\n  }}\n"
            f'  return "";\n}}\n\n'
            f"// The member named by the snapshot's text; std::nullopt when it names none.\n"
            f"inline std::optional<{type_name}> parse_{type_name}(const std::string& text) {{\n{cases}\n"
            f"  return std::nullopt;\n}}\n"
        )
        return type_name

    accessors = []
    for s in settings:
        method = _cpp_ident(s.key.lower())
        key = _cpp_string(s.key)
        kind = s.kind
        comment = "  /// " + _describe(s).replace("*/", "* /")
        if kind.name == "int" or (kind.name == "enum" and kind.choices and all(_is_int(c) for c in kind.choices)):
            body = f"return detail::get_int64(cfg, {key});"
            ret = "int64_t"
        elif kind.name == "float":
            body, ret = f"return detail::get_double(cfg, {key});", "double"
        elif kind.name == "bool":
            body, ret = f"return detail::get_bool(cfg, {key});", "bool"
        elif kind.name == "enum" and (etype := enum_type(s.key, kind)) is not None:
            ret = etype
            body = (
                f"auto text = detail::get_text(cfg, {key});\n"
                f"    if (!text) return std::nullopt;\n"
                f"    if (auto value = parse_{etype}(*text)) return value;\n"
                f'    throw settings_error(std::string({key}) + ": not a member of {etype}");'
            )
        else:  # strings, and lists, maps and anything else as their JSON text
            body, ret = f"return detail::get_text(cfg, {key});", "std::string"
            if kind.name in ("list", "dict", "any"):
                comment += " JSON text."
        accessors.append(f"{comment}\n  static std::optional<{ret}> {method}(omega_cfg* cfg) {{\n    {body}\n  }}\n")

    enums = "".join(d + "\n" for d in enum_defs)  # filled by the accessors above
    return f"""\
// Typed accessors for {name}: generated by `omegactl codegen --lang cpp`. Do not edit.
//
// Over the C API of omega_config.h: an accessor returns std::nullopt when the key is absent (or
// null) and throws {ns}::settings_error when the value is not of the schema's type (the C
// library's rules: "30" is an integer, "yes" a boolean). Lists and maps come as JSON text.
//
//   omega_cfg* cfg = ...;  // omega_cfg_open
//   int64_t timeout = {ns}::{name}::request_timeout(cfg).value_or(30);
#ifndef {guard}
#define {guard}

#include <omega_config.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>

namespace {ns} {{

class settings_error : public std::runtime_error {{
 public:
  using std::runtime_error::runtime_error;
}};

namespace detail {{

inline void check(int status, const char* key) {{
  if (status != OMEGA_OK) throw settings_error(std::string(key) + ": " + omega_strerror(status));
}}

inline std::optional<int64_t> get_int64(omega_cfg* cfg, const char* key) {{
  int64_t value = 0;
  int status = omega_cfg_get_int64(cfg, key, &value);
  if (status == OMEGA_E_NOT_FOUND) return std::nullopt;
  check(status, key);
  return value;
}}

inline std::optional<double> get_double(omega_cfg* cfg, const char* key) {{
  double value = 0;
  int status = omega_cfg_get_double(cfg, key, &value);
  if (status == OMEGA_E_NOT_FOUND) return std::nullopt;
  check(status, key);
  return value;
}}

inline std::optional<bool> get_bool(omega_cfg* cfg, const char* key) {{
  int value = 0;
  int status = omega_cfg_get_bool(cfg, key, &value);
  if (status == OMEGA_E_NOT_FOUND) return std::nullopt;
  check(status, key);
  return value != 0;
}}

// The value's text; grown and retried when a reload made it longer between two calls.
inline std::optional<std::string> get_text(omega_cfg* cfg, const char* key) {{
  std::string text(64, '\\0');
  for (;;) {{
    size_t length = 0;
    int status = omega_cfg_get(cfg, key, &text[0], text.size(), &length);
    if (status == OMEGA_E_NOT_FOUND) return std::nullopt;
    if (status == OMEGA_E_BUFFER_TOO_SMALL) {{
      text.resize(length + 1);
      continue;
    }}
    check(status, key);
    text.resize(length);
    return text;
  }}
}}

}}  // namespace detail

{enums}struct {name} {{
{chr(10).join(accessors)}}};

}}  // namespace {ns}

#endif  // {guard}
"""


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# -- the command (omegactl codegen) ----------------------------------------------------------

LANGUAGES = ("python", "cpp")


def load_schema(path: str) -> dict[str, Any]:
    """A schema file ('-': stdin). SchemaError when it cannot be read or is not JSON."""
    import sys

    try:
        text = sys.stdin.read() if path == "-" else open(path, encoding="utf-8").read()  # noqa: SIM115
        schema = json.loads(text)
    except (OSError, UnicodeDecodeError, ValueError) as e:
        raise SchemaError(f"cannot read the schema {path!r}: {getattr(e, 'strerror', None) or e}") from None
    if not isinstance(schema, dict):
        raise SchemaError(f"the schema {path!r} is not a JSON object")
    return schema


def generate(schema: dict[str, Any], lang: str, name: Optional[str] = None, source: str = "") -> str:
    if lang == "python":
        return python_protocol(schema, name, source)
    if lang == "cpp":
        return cpp_header(schema, name)
    raise SchemaError(f"unknown language {lang!r}: one of {', '.join(LANGUAGES)}")


def write_output(text: str, output: Optional[str]) -> None:
    """To stdout, or to a file replaced whole (a reader never sees half a header)."""
    import os
    import sys
    import tempfile

    if output is None or output == "-":
        sys.stdout.write(text)
        return
    directory = os.path.dirname(os.path.abspath(output))
    fd, tmp = tempfile.mkstemp(prefix=".codegen-", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, output)
    except BaseException:
        os.unlink(tmp)
        raise
