"""Certificates for the TLS tests, made once per session by make_test_certs.sh with openssl:
a CA, a server certificate (localhost, 127.0.0.1, ::1), a client certificate, a second CA that
signed nothing, an expired server certificate and one for another name."""

import pathlib
import subprocess
import tempfile

import pytest

SCRIPT = pathlib.Path(__file__).with_name("make_test_certs.sh")


class TlsFiles:
    def __init__(self, directory: pathlib.Path):
        self.dir = directory

    def path(self, name: str) -> str:
        return str(self.dir / name)

    @property
    def ca(self) -> str:
        return self.path("ca.crt")


def make_certs() -> TlsFiles:
    directory = pathlib.Path(tempfile.mkdtemp(prefix="omega-certs-"))
    subprocess.run(["bash", str(SCRIPT), str(directory)], check=True)
    return TlsFiles(directory)


@pytest.fixture(scope="session")
def tls_files():
    return make_certs()
