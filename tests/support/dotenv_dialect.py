"""The .env dialect corpus (tests/data/env_dialect_corpus.json) and python-dotenv's reading of
each form: the expected answers for the daemon (tests/daemon/test_env_dialect.py) and for the
Python reader (tests/python/test_env_dialect.py). Nothing here is a hard-coded answer: every
expectation is what python-dotenv itself says, called the way pydantic-settings calls it.
"""

from __future__ import annotations

import dataclasses
import importlib.metadata
import json
import pathlib
import re
import tempfile
from typing import Optional

from dotenv import dotenv_values
from dotenv.parser import parse_stream
from dotenv.variables import Variable, parse_variables

from tests.support.paths import REPO

CORPUS = REPO / "tests" / "data" / "env_dialect_corpus.json"

# The dialect is python-dotenv 1.2.4's; earlier releases kept a BOM in the first key, read
# `KEY= # comment` as "# comment" and took "\\" before a closing quote for an escaped quote.
DIALECT_VERSION = (1, 2, 4)


def python_dotenv_version() -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", importlib.metadata.version("python-dotenv"))[:3])


@dataclasses.dataclass(frozen=True)
class Form:
    name: str
    env: str  # the whole .env text

    def write(self, directory: pathlib.Path, name: str = "form.env") -> pathlib.Path:
        path = directory / name
        path.write_bytes(self.env.encode("utf-8"))  # exactly these bytes: no newline translation
        return path


def forms() -> list[Form]:
    with open(CORPUS, encoding="utf-8") as f:
        return [Form(item["form"], item["env"]) for item in json.load(f)["forms"]]


def accepted_forms() -> list[Form]:
    """The forms the writer reads (python-dotenv's reading of them is safe for it)."""
    with tempfile.TemporaryDirectory() as directory:
        return [
            f for f in forms() if not read_with_python_dotenv(f.write(pathlib.Path(directory))).refused_by_the_writer
        ]


@dataclasses.dataclass
class Reading:
    """What python-dotenv makes of a .env file, and so what the writer must answer."""

    values: dict[str, Optional[str]]  # dotenv_values(path): what pydantic-settings gets
    skipped: list[int]  # lines of statements it cannot parse (it warns and skips them)
    expanded: list[int]  # lines of values it expands (${NAME}, ${NAME:-default})
    duplicates: list[tuple[int, int]]  # (first line, repeated line) of keys set twice

    @property
    def refused_by_the_writer(self) -> bool:
        return bool(self.skipped or self.expanded or self.duplicates)

    def lines_the_writer_names(self) -> set[int]:
        return set(self.skipped) | set(self.expanded) | {again for _, again in self.duplicates}


def _statement_line(binding) -> int:
    # python-dotenv counts from where the previous statement ended; the statement itself starts
    # after the blank lines it skipped.
    leading = re.match(r"\s*", binding.original.string).group()
    return binding.original.line + leading.count("\n")


def read_with_python_dotenv(path: pathlib.Path) -> Reading:
    """python-dotenv's answers for the file at `path`."""
    assert python_dotenv_version() >= DIALECT_VERSION, "tests/requirements.txt: python-dotenv>=1.2.4"
    with open(path, encoding="utf-8") as stream:  # as python-dotenv opens it: universal newlines
        bindings = list(parse_stream(stream))
    first_line: dict[str, int] = {}
    reading = Reading(values=dict(dotenv_values(path, encoding="utf-8")), skipped=[], expanded=[], duplicates=[])
    for b in bindings:
        line = _statement_line(b)
        if b.error:
            reading.skipped.append(line)
            continue
        if b.key is None:
            continue  # a comment
        if b.key in first_line:
            reading.duplicates.append((first_line[b.key], line))
        first_line.setdefault(b.key, line)
        if b.value is not None and any(isinstance(atom, Variable) for atom in parse_variables(b.value)):
            reading.expanded.append(line)
    return reading
