"""Reading the deploy kit (deploy/) the way its tests check it: the daemon's real flags, the
flags a file passes, systemd unit entries."""

import os
import re
import subprocess

from tests.support.daemon import daemon_binary
from tests.support.paths import REPO

DEPLOY = REPO / "deploy"


def daemon_flags() -> set:
    """Every flag `omega-settingsd --help` lists."""
    out = subprocess.run([daemon_binary(), "--help"], capture_output=True, text=True, check=True).stdout
    return set(re.findall(r"^\s+(--[a-z][a-z-]*)", out, re.M))


def flag_values(args) -> dict:
    """{"--flag": value} from an argument list (`--flag value` or `--flag=value`)."""
    out, args = {}, list(args)
    for i, arg in enumerate(args):
        if arg.startswith("--"):
            name, eq, value = arg.partition("=")
            out[name] = value if eq else (args[i + 1] if i + 1 < len(args) and not args[i + 1].startswith("--") else "")
    return out


def unit_entries(path):
    """[(section, key, value)] of a systemd unit file: comments dropped, `\\` continuations joined."""
    entries, section, pending = [], None, ""
    for raw in path.read_text().splitlines():
        line = pending + raw.strip()
        pending = ""
        if line.endswith("\\"):
            pending = line[:-1] + " "
            continue
        if not line or line[0] in "#;":
            continue
        if line.startswith("["):
            section = line.strip("[]")
            continue
        key, _, value = line.partition("=")
        entries.append((section, key.strip(), value.strip()))
    return entries


def unit_values(path, key):
    return [v for _, k, v in unit_entries(path) if k == key]


def dockerfile_stages(path) -> dict:
    """{stage name: [(INSTRUCTION, rest of the line)]} of a Dockerfile, continuations joined."""
    stages, current, pending = {}, None, ""
    for raw in path.read_text().splitlines():
        line = pending + raw.strip()
        pending = ""
        if line.endswith("\\"):
            pending = line[:-1] + " "
            continue
        if not line or line.startswith("#"):
            continue
        instruction, _, rest = line.partition(" ")
        instruction = instruction.upper()
        if instruction == "FROM":
            current = rest.split()[-1] if " AS " in rest.upper() else rest
            stages[current] = []
        stages[current].append((instruction, rest.strip()))
    return stages


def apt_packages(stage) -> set:
    """The packages a stage's `apt-get install` lines name."""
    names = set()
    for instruction, rest in stage:
        if instruction == "RUN":
            for command in re.split(r"&&|;", rest):
                words = command.split()
                if words[:2] == ["apt-get", "install"]:
                    names.update(w for w in words[2:] if not w.startswith("-"))
    return names


def packages_linked_by(binary) -> set:
    """The Debian packages holding the shared libraries `binary` names itself (ELF NEEDED;
    what those need in turn, apt installs with them)."""
    dynamic = subprocess.run(["readelf", "-d", str(binary)], capture_output=True, text=True, check=True).stdout
    needed = re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", dynamic)
    ldd = subprocess.run(["ldd", str(binary)], capture_output=True, text=True, check=True).stdout
    resolved = dict(re.findall(r"^\s*(\S+) => (/\S+)", ldd, re.M))
    resolved.update((os.path.basename(p), p) for p in re.findall(r"^\s*(/\S+) \(", ldd, re.M))  # the loader
    packages = set()
    for name in needed:
        path = resolved[name]
        # Merged /usr: dpkg knows a library by the path its package ships, /lib/... or /usr/lib/...
        for candidate in (path, "/usr" + path, os.path.realpath(path)):
            owner = subprocess.run(["dpkg", "-S", candidate], capture_output=True, text=True)
            if owner.returncode == 0:
                break
        assert owner.returncode == 0, f"no Debian package holds {path}"
        packages.add(owner.stdout.split(":")[0])
    return packages


def in_every_debian_image() -> set:
    """libc6 and what it depends on: in every Debian image, debian:12-slim included."""
    depends = subprocess.run(["dpkg-query", "-W", "-f=${Depends}", "libc6"], capture_output=True, text=True).stdout
    return {"libc6"} | {d.split()[0] for d in depends.split(",") if d.strip()}
