"""A throwaway Postgres cluster of a test's own, with TLS from a CA the test makes.

Debian's server binaries (/usr/lib/postgresql/<version>/bin, installed by deploy/local/postgres.sh)
initialise a cluster in a temporary directory and run it on a free port, listening on 127.0.0.1 and
127.0.0.2, with `ssl=on` and a server certificate for localhost and 127.0.0.1 signed by `ca_pem`.
The test is its superuser (`postgres`, password `superuser_password`), so it may create roles: the
shared Postgres gives the carepay role no such right. Missing binaries fail the test, saying how to
install them. As root, the server runs as the `postgres` OS user (Postgres refuses root).
"""
from __future__ import annotations

import datetime
import ipaddress
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

HOSTS = ("127.0.0.1", "127.0.0.2")


def server_binaries() -> Path:
    """The newest installed major version's bin directory; the test fails saying how to install one."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres"), key=lambda p: int(p.parent.parent.name))
    if not found:
        pytest.fail("PostgreSQL server binaries not found (/usr/lib/postgresql/*/bin/postgres): "
                    "`deploy/local/postgres.sh setup` installs them (as root: apt-get install -y postgresql)")
    return found[-1].parent


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def make_ca(common_name: str) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """A self-signed certificate authority, valid for a day."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(_name(common_name)).issuer_name(_name(common_name))
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                         content_commitment=False, key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256()))
    return key, cert


def make_server_cert(ca_key: ec.EllipticCurvePrivateKey, ca: x509.Certificate
                     ) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """A server certificate for localhost and 127.0.0.1 (not 127.0.0.2), signed by `ca`."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.timezone.utc)
    names = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    cert = (x509.CertificateBuilder().subject_name(_name("localhost")).issuer_name(ca.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(names), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    return key, cert


def pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PrivatePostgres:
    """Start with `start()`, stop and delete with `stop()`; `url(...)` for a role on one of HOSTS."""

    superuser_password = "private-superuser-password"

    def __init__(self) -> None:
        self.bin = server_binaries()
        self.dir = Path(tempfile.mkdtemp(prefix="carepay-private-pg-"))
        self.port = _free_port()
        self.as_postgres: list[str] = []
        if os.geteuid() == 0:
            try:
                owner = pwd.getpwnam("postgres")
            except KeyError:
                pytest.fail("running as root, the private Postgres needs the `postgres` OS user (Debian's "
                            "postgresql package creates it)")
            os.chown(self.dir, owner.pw_uid, owner.pw_gid)
            self.as_postgres = ["runuser", "-u", "postgres", "--"]
            self._owner = (owner.pw_uid, owner.pw_gid)
        else:
            self._owner = (os.geteuid(), os.getegid())
        self._ca_key, self.ca = make_ca("carepay test CA")  # its key only signs the server's certificate
        self.ca_file = self.dir / "ca.pem"
        self.ca_file.write_bytes(pem(self.ca))

    def _write(self, name: str, content: bytes, mode: int = 0o600) -> Path:
        path = self.dir / name
        path.write_bytes(content)
        os.chmod(path, mode)
        os.chown(path, *self._owner)
        return path

    def _run(self, *args: str) -> None:
        done = subprocess.run([*self.as_postgres, *args], capture_output=True, text=True, timeout=60)
        if done.returncode != 0:
            log = self.dir / "server.log"
            tail = log.read_text()[-2000:] if log.exists() else ""
            pytest.fail(f"{Path(args[0]).name} failed ({done.returncode}): {done.stderr[-2000:]}{tail}")

    def start(self) -> "PrivatePostgres":
        key, cert = make_server_cert(self._ca_key, self.ca)
        self._write("server.crt", pem(cert))
        self._write("server.key", key.private_bytes(serialization.Encoding.PEM,
                                                    serialization.PrivateFormat.TraditionalOpenSSL,
                                                    serialization.NoEncryption()))
        pwfile = self._write("pwfile", self.superuser_password.encode())
        data = self.dir / "data"
        self._run(str(self.bin / "initdb"), "-N", "-D", str(data), "-U", "postgres", "-E", "UTF8", "--locale=C",
                  "--auth-local=trust", "--auth-host=scram-sha-256", f"--pwfile={pwfile}")
        with open(data / "pg_hba.conf", "a") as hba:
            hba.write("host all all 127.0.0.0/8 scram-sha-256\n")
        options = " ".join([f"-c port={self.port}", f"-c listen_addresses={','.join(HOSTS)}",
                            f"-c unix_socket_directories={self.dir}", "-c fsync=off", "-c ssl=on",
                            f"-c ssl_cert_file={self.dir / 'server.crt'}",
                            f"-c ssl_key_file={self.dir / 'server.key'}"])
        self._run(str(self.bin / "pg_ctl"), "start", "-w", "-t", "30", "-D", str(data), "-l",
                  str(self.dir / "server.log"), "-o", options)
        return self

    def stop(self) -> None:
        data = self.dir / "data"
        if (data / "postmaster.pid").exists():
            subprocess.run([*self.as_postgres, str(self.bin / "pg_ctl"), "stop", "-m", "immediate", "-D", str(data)],
                           capture_output=True, timeout=30)
        shutil.rmtree(self.dir, ignore_errors=True)

    def url(self, user: str = "postgres", password: str | None = None, *, database: str = "postgres",
            host: str = HOSTS[0], query: str = "") -> str:
        secret = password if password is not None else self.superuser_password
        return f"postgresql://{user}:{secret}@{host}:{self.port}/{database}{'?' + query if query else ''}"
