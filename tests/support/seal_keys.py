"""Seal key files as omega-settingsd --seal-key-file and the readers' seal_key_path read
them: one `ID:BASE64` line per key, the first seals, mode 0600."""

import base64
import os
import pathlib


def new_key() -> bytes:
    return os.urandom(32)


def write_key_file(path: pathlib.Path, keys, mode=0o600) -> pathlib.Path:
    """keys: (id, 32 bytes) pairs; the first seals."""
    lines = ["# seal keys: the first line seals, the others still open"]
    lines += [f"{key_id}:{base64.b64encode(raw).decode()}" for key_id, raw in keys]
    path.write_text("\n".join(lines) + "\n")
    path.chmod(mode)
    return path
