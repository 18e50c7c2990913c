"""The .env reader of AgentSettings: python-dotenv's dialect (release 1.2.4), the one
pydantic-settings reads the same file with, so an agent and its pydantic models never disagree
about a value. omega-settingsd reads the same dialect (daemon/src/model/dotenv_syntax.h), and the
shared corpus tests/data/env_dialect_corpus.json holds both to python-dotenv's own answers.

The rules, briefly: `[export ]KEY[ = value][ # comment]`; an unquoted value ends at whitespace
followed by '#' and loses its trailing whitespace; '...' and "..." may span lines, and a
backslash always takes the next character with it (single quotes decode \\\\ and \\', double
quotes also \\" \\a \\b \\f \\n \\r \\t \\v; other escapes stay as written); `KEY` without '='
has the value None; ${NAME} and ${NAME:-default} are expanded in every value from the earlier
keys of the file, then the environment; the last of two equal keys wins; a statement that cannot
be parsed is skipped with a warning.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterator
from typing import Optional, Union

_log = logging.getLogger(__name__)

# The text is read with universal newlines, so every line break is "\n"; "\s" is Unicode's.
_SPACE = re.compile(r"\s*")
_BLANKS = re.compile(r"[^\S\n]*")
_EXPORT = re.compile(r"export[^\S\n]+")
_QUOTED_KEY = re.compile(r"'([^']+)'")
_BARE_KEY = re.compile(r"[^=#\s]+")
_QUOTED_VALUE = {
    "'": re.compile(r"'((?:\\.|[^'\\])*)'", re.DOTALL),
    '"': re.compile(r'"((?:\\.|[^"\\])*)"', re.DOTALL),
}
_ESCAPE = re.compile(r"\\(.)", re.DOTALL)
_DECODED = {
    "'": {"\\": "\\", "'": "'"},
    '"': {"\\": "\\", "'": "'", '"': '"', "a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"},
}
_LINE = re.compile(r"[^\n]*")
_REST_OF_LINE = re.compile(r"[^\n]*\n?")
_INLINE_COMMENT = re.compile(r"\s+#")
_END_OF_STATEMENT = re.compile(r"(?:[^\S\n]*#[^\n]*)?[^\S\n]*(?:\n|\Z)")
_EXPANSION = re.compile(r"\$\{([^}:]*)(?::-([^}]*))?\}")


class _Unparsable(Exception):
    pass


class _Scanner:
    """The statements of a .env text, in order: (line, key, value or None)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.line = 1
        self.counted = 0  # line breaks before this offset are in self.line
        self.skipped: list[tuple[int, str]] = []

    def __iter__(self) -> Iterator[tuple[int, str, Optional[str]]]:
        while self.pos < len(self.text):
            self.pos = _SPACE.match(self.text, self.pos).end()
            if self.pos == len(self.text):
                return
            self.line += self.text.count("\n", self.counted, self.pos)
            self.counted = self.pos
            try:
                binding = self._statement()
            except _Unparsable as problem:
                self.skipped.append((self.line, str(problem)))
                self.pos = _REST_OF_LINE.match(self.text, self.pos).end()
                continue
            if binding is not None:
                yield (self.line, *binding)

    def _match(self, pattern: re.Pattern[str], problem: str) -> re.Match[str]:
        m = pattern.match(self.text, self.pos)
        if m is None:
            raise _Unparsable(problem)
        self.pos = m.end()
        return m

    def _statement(self) -> Optional[tuple[str, Optional[str]]]:
        text = self.text
        m = _EXPORT.match(text, self.pos)
        if m:
            self.pos = m.end()
        if text.startswith("#", self.pos):
            self.pos = _REST_OF_LINE.match(text, self.pos).end()
            return None  # a comment
        if text.startswith("'", self.pos):
            key = self._match(_QUOTED_KEY, "unterminated or empty quoted key").group(1)
        else:
            key = self._match(_BARE_KEY, "expected a key").group()
        self.pos = _BLANKS.match(text, self.pos).end()
        value = None
        if text.startswith("=", self.pos):
            value = self._value()
        problem = "unexpected text after the closing quote" if value is not None else "expected '=' after the key"
        self._match(_END_OF_STATEMENT, problem)
        return key, value

    def _value(self) -> str:
        text = self.text
        after_equals = self.pos + 1
        self.pos = _BLANKS.match(text, after_equals).end()
        first = text[self.pos : self.pos + 1]
        if self.pos > after_equals and first == "#":
            return ""  # `KEY= # comment`
        if first in _QUOTED_VALUE:
            unterminated = "unterminated single quote" if first == "'" else "unterminated double quote"
            written = self._match(_QUOTED_VALUE[first], unterminated).group(1)
            table = _DECODED[first]
            return _ESCAPE.sub(lambda e: table.get(e.group(1), e.group()), written)
        if first in ("", "\n"):
            return ""
        line = self._match(_LINE, "").group()
        return _INLINE_COMMENT.split(line, maxsplit=1)[0].rstrip()


def _expand(value: str, env: dict[str, Optional[str]]) -> str:
    def lookup(m: re.Match[str]) -> str:
        found = env.get(m.group(1), m.group(2) or "")
        return found if found is not None else ""

    return _EXPANSION.sub(lookup, value)


def parse_dotenv(text: str, source: str = "<string>") -> dict[str, Optional[str]]:
    """The variables of .env text (a leading BOM is ignored), ${...} expanded from the earlier
    keys, then os.environ. Statements that cannot be parsed are logged and skipped."""
    scanner = _Scanner(text.removeprefix("\ufeff"))
    values: dict[str, Optional[str]] = {}
    for _line, key, value in scanner:
        if value is not None and "${" in value:
            value = _expand(value, {**os.environ, **values})
        values[key] = value
    for line, problem in scanner.skipped:
        _log.warning("%s: line %d: %s; the statement is skipped, as python-dotenv does", source, line, problem)
    return values


def read_dotenv(path: Union[str, os.PathLike[str]]) -> dict[str, Optional[str]]:
    """The variables of a .env file ({} if there is none), read as python-dotenv reads them
    for pydantic-settings. `KEY` without '=' gives None."""
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return {}
    return parse_dotenv(text, os.fspath(path))
