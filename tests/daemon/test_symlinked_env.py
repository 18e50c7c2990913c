"""A symlinked .env stays a symlink: patches replace the file it points to."""

import os


def test_patch_writes_through_a_symlinked_env(make_daemon):
    d = make_daemon(start=False)
    real = d.dir / "real" / "omega.env"
    real.parent.mkdir()
    real.write_bytes(d.env_path.read_bytes())
    d.env_path.unlink()
    os.symlink(real, d.env_path)
    d.start()
    assert d.patch({"LOG_LEVEL": "DEBUG"}).status == 200
    assert d.env_path.is_symlink() and os.readlink(d.env_path) == str(real)
    assert "LOG_LEVEL=DEBUG" in real.read_text()
    assert not [p for p in d.dir.iterdir() if ".tmp-" in p.name]
