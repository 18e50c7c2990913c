"""omegactl codegen: the JSON Schema as a typed Python Protocol (checked with mypy, as a user's
type checker would: a right use passes, wrong ones fail) and as a C++ header of typed accessors
over the C API (compiled with -Wall -Wextra -Werror, and run against a real Redis)."""

import enum
import json
import os
import shutil
import subprocess
import sys
import textwrap
from typing import Literal, Optional

import pytest
from pydantic import BaseModel, Field, SecretStr

from tests.support.daemon import env_without_omega
from tests.support.paths import EXAMPLES, REPO

EXAMPLE_SCHEMA = EXAMPLES / "omega.schema.json"
# The C library the C++ program links: the dev build's (scripts/test.sh builds it first).
CORE_LIB_DIR = os.environ.get("OMEGA_CORE_LIB_DIR") or str(REPO / "build" / "dev" / "src")
CXX = shutil.which("g++") or shutil.which("c++")


def omegactl(*args, cwd=None):
    env = env_without_omega()
    env.pop("PYTHONPATH", None)
    return subprocess.run(
        [sys.executable, "-m", "omega_config.ctl", *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=60
    )


def codegen(tmp_path, lang, schema=EXAMPLE_SCHEMA, out="generated", name=None):
    target = tmp_path / out
    p = omegactl(
        "codegen", "--lang", lang, "--schema", str(schema), "-o", str(target), *(["--name", name] if name else [])
    )
    assert p.returncode == 0, p.stderr
    assert p.stdout == ""  # -o: nothing on stdout
    return target.read_text()


class Color(str, enum.Enum):
    RED = "red"
    DARK_GREEN = "dark-green"


class Priority(enum.IntEnum):
    LOW = 1
    HIGH = 2


class Shapes(BaseModel):
    """Every shape the writer's schema subset has: $defs enums, Literal, lists, sets, maps,
    Optional, secrets, a name that is a C++ keyword and one that is a ConfigManager method."""

    COLOR: Color = Color.RED
    ACCENT: Optional[Color] = None
    PRIORITY: Priority = Priority.LOW
    MODE: Literal["fast", "safe"] = "safe"
    LEVEL: Literal[1, 2, 3] = 2
    API_KEY: SecretStr
    TAGS: list[str] = []
    PORTS: set[int] = set()
    PALETTE: list[Color] = []
    WEIGHTS: dict[str, float] = {}
    LIMITS: dict[str, list[int]] = {}
    FALLBACK: Optional[list[str]] = None
    RATIO: float = Field(default=0.5, ge=0)
    DEFAULT: bool = False
    VERSION: int = 1


@pytest.fixture
def shapes_schema(tmp_path):
    path = tmp_path / "shapes.schema.json"
    path.write_text(json.dumps(Shapes.model_json_schema()))
    return path


# -- python ---------------------------------------------------------------------------------


def test_python_protocol_of_the_example_schema(tmp_path):
    text = codegen(tmp_path, "python", out="omega_types.py")
    assert "class OMEGASettings(Protocol):" in text
    assert "    def request_timeout(self) -> int:" in text and "    def REQUEST_TIMEOUT(self) -> int:" in text
    assert '    def log_level(self) -> Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]:' in text
    assert "    def llm_temperature(self) -> float:" in text and "    def feature_streaming(self) -> bool:" in text
    assert "    def rate_limit_per_minute(self) -> int:" in text  # Optional: absent reads raise
    assert "    def secret_key(self) -> str:" in text
    compile(text, "omega_types.py", "exec")


def test_python_protocol_of_every_shape(tmp_path, shapes_schema):
    text = codegen(tmp_path, "python", shapes_schema, out="shapes.pyi")
    assert 'Color = Literal["red", "dark-green"]' in text and "Priority = Literal[1, 2]" in text
    for line in (
        "def color(self) -> Color:",
        "def accent(self) -> Color:",
        "def priority(self) -> Priority:",
        'def mode(self) -> Literal["fast", "safe"]:',
        "def level(self) -> Literal[1, 2, 3]:",
        "def api_key(self) -> str:",
        "def ports(self) -> list[int]:",
        "def palette(self) -> list[Color]:",
        "def weights(self) -> dict[str, float]:",
        "def limits(self) -> dict[str, list[int]]:",
        "def fallback(self) -> list[str]:",
        "def default(self) -> bool:",
        "def VERSION(self) -> int:",
    ):
        assert f"    {line}" in text, line
    assert "def version(" not in text  # cfg.version is the manager's: the setting is cfg.VERSION


def test_mypy_types_cfg_reads_with_the_generated_protocol(tmp_path):
    codegen(tmp_path, "python", out="omega_types.py")
    (tmp_path / "good.py").write_text(
        textwrap.dedent(
            """\
            from typing import Literal

            from omega_config import ConfigManager, create_config_manager

            from omega_types import OMEGASettings


            def read(cfg: ConfigManager) -> int:
                settings: OMEGASettings = cfg  # the manager itself, typed
                level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = settings.log_level
                streaming: bool = settings.FEATURE_STREAMING
                temperature: float = settings.llm_temperature
                print(level, streaming, temperature, cfg.version)
                return settings.request_timeout


            def main() -> None:
                read(create_config_manager())
            """
        )
    )
    (tmp_path / "bad.py").write_text(
        textwrap.dedent(
            """\
            from omega_config import ConfigManager

            from omega_types import OMEGASettings


            def read(cfg: ConfigManager) -> None:
                settings: OMEGASettings = cfg
                name: int = settings.service_name
                settings.request_timeout.upper()
                settings.no_such_setting
                settings.log_level == "VERBOSE"
            """
        )
    )
    p = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--strict-equality", "--no-incremental", "good.py", "bad.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=280,
    )
    errors = [line for line in p.stdout.splitlines() if ": error:" in line]
    assert all(line.startswith("bad.py:") for line in errors), p.stdout  # good.py type-checks
    assert [int(line.split(":")[1]) for line in errors] == [8, 9, 10, 11], p.stdout
    assert 'has type "str", variable has type "int"' in errors[0]
    assert '"int" has no attribute "upper"' in errors[1]
    assert '"OMEGASettings" has no attribute "no_such_setting"' in errors[2]
    assert "Non-overlapping equality check" in errors[3]
    assert p.returncode == 1


# -- C++ ------------------------------------------------------------------------------------

READ_EXAMPLE = """\
#include <cstdio>
#include "omega_settings.h"

using omega_settings::OMEGASettings;

int main(int argc, char** argv) {
  // Not OMEGA_CFG_OPTIONS_INIT: in C++ with -Wextra it warns of the fields it leaves out.
  omega_cfg_options opts{};
  opts.struct_version = OMEGA_CFG_OPTIONS_VERSION;
  opts.redis_url = argc > 1 ? argv[1] : nullptr;
  omega_cfg* cfg = nullptr;
  if (omega_cfg_open(&opts, &cfg) != OMEGA_OK) return 2;
  std::optional<int64_t> timeout = OMEGASettings::request_timeout(cfg);
  std::optional<double> temperature = OMEGASettings::llm_temperature(cfg);
  std::optional<bool> streaming = OMEGASettings::feature_streaming(cfg);
  std::optional<omega_settings::LogLevel> level = OMEGASettings::log_level(cfg);
  std::optional<std::string> service = OMEGASettings::service_name(cfg);
  std::optional<int64_t> rate = OMEGASettings::rate_limit_per_minute(cfg);
  std::printf("timeout=%lld temperature=%.2f streaming=%d level=%s debug=%d service=%s rate=%s\\n",
              static_cast<long long>(*timeout), *temperature, *streaming ? 1 : 0, to_string(*level),
              *level == omega_settings::LogLevel::kDebug ? 1 : 0, service->c_str(), rate ? "set" : "unset");
  int status = 0;
  try {
    OMEGASettings::max_concurrent_tasks(cfg);  // "many": not an integer
  } catch (const omega_settings::settings_error& e) {
    std::printf("error=%s\\n", e.what());
    status = 1;
  }
  omega_cfg_close(cfg);
  return status == 1 ? 0 : 3;
}
"""

CXXFLAGS = ["-std=c++17", "-Wall", "-Wextra", "-Werror", "-pedantic", f"-I{REPO / 'include'}"]


@pytest.mark.skipif(CXX is None, reason="needs a C++ compiler")
def test_cpp_header_of_every_shape_compiles_cleanly(tmp_path, shapes_schema):
    header = codegen(tmp_path, "cpp", shapes_schema, out="shapes.h", name="Shapes")
    assert "enum class Color { kRed, kDarkGreen };" in header
    assert "static std::optional<Color> color(omega_cfg* cfg)" in header
    assert "static std::optional<int64_t> priority(omega_cfg* cfg)" in header  # integer choices
    assert "static std::optional<std::string> weights(omega_cfg* cfg)" in header  # JSON text
    assert "static std::optional<bool> default_(omega_cfg* cfg)" in header  # a C++ keyword
    (tmp_path / "use.cc").write_text(
        '#include "shapes.h"\n#include "shapes.h"  // the include guard\n'
        "int main() { omega_cfg* cfg = nullptr; (void)cfg; "
        'return omega_settings::parse_Color("dark-green") == omega_settings::Color::kDarkGreen ? 0 : 1; }\n'
    )
    p = subprocess.run(
        [CXX, *CXXFLAGS, "-o", str(tmp_path / "use"), str(tmp_path / "use.cc")], capture_output=True, text=True
    )
    assert p.returncode == 0, p.stderr
    assert subprocess.run([str(tmp_path / "use")]).returncode == 0


@pytest.mark.skipif(CXX is None, reason="needs a C++ compiler")
def test_cpp_accessors_read_typed_values_from_a_real_redis(tmp_path, redis_server, writer):
    codegen(tmp_path, "cpp", out="omega_settings.h")
    (tmp_path / "read.cc").write_text(READ_EXAMPLE)
    lib = os.path.join(CORE_LIB_DIR, "libomega_config.so")
    if not os.path.exists(lib):
        # Without the C library, the header is still compiled (syntax and types).
        p = subprocess.run([CXX, *CXXFLAGS, "-fsyntax-only", str(tmp_path / "read.cc")], capture_output=True, text=True)
        assert p.returncode == 0, p.stderr
        pytest.skip(f"compiled only: no {lib} to link (build the dev preset, or set OMEGA_CORE_LIB_DIR)")
    binary = tmp_path / "read"
    p = subprocess.run(
        [CXX, *CXXFLAGS, "-o", str(binary), str(tmp_path / "read.cc"), f"-L{CORE_LIB_DIR}", "-lomega_config"],
        capture_output=True,
        text=True,
    )
    assert p.returncode == 0, p.stderr
    writer.publish(
        {
            "REQUEST_TIMEOUT": "45",  # a string holding an integer: the C library's rule
            "LLM_TEMPERATURE": 1,
            "FEATURE_STREAMING": "yes",
            "LOG_LEVEL": "DEBUG",
            "SERVICE_NAME": "planner",
            "MAX_CONCURRENT_TASKS": "many",
        }
    )
    run = subprocess.run(
        [str(binary), redis_server.url],
        env={**os.environ, "LD_LIBRARY_PATH": CORE_LIB_DIR},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, (run.stdout, run.stderr)
    assert run.stdout.splitlines() == [
        "timeout=45 temperature=1.00 streaming=1 level=DEBUG debug=1 service=planner rate=unset",
        "error=MAX_CONCURRENT_TASKS: value has another type",  # omega_strerror(OMEGA_E_TYPE)
    ]


# -- the command ----------------------------------------------------------------------------


def test_codegen_writes_stdout_and_reports_bad_schemas(tmp_path):
    p = omegactl("codegen", "--lang", "python", "--schema", str(EXAMPLE_SCHEMA))
    assert p.returncode == 0 and "class OMEGASettings(Protocol):" in p.stdout
    (tmp_path / "bad.json").write_text('{"type": "object"}')
    p = omegactl("codegen", "--lang", "cpp", "--schema", str(tmp_path / "bad.json"))
    assert p.returncode == 2 and json.loads(p.stderr)["error"] == "bad_schema"
    p = omegactl("codegen", "--lang", "cpp", "--schema", str(tmp_path / "missing.json"))
    assert p.returncode == 2 and "cannot read the schema" in json.loads(p.stderr)["message"]
    p = omegactl("codegen", "--lang", "rust", "--schema", str(EXAMPLE_SCHEMA))
    assert p.returncode == 2 and "invalid choice" in p.stderr
