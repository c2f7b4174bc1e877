"""A private single-node KRaft Kafka for one test, secured as a council's would be.

Clients reach it only over SASL_SSL (SCRAM-SHA-512, one user per service and an `admin` super user, added
when the storage is formatted); its broker reaches its controller over TLS with its own certificate
(mutual TLS: no anonymous principal is trusted); StandardAuthorizer allows nothing that no ACL grants.
The CA and the broker's certificate are made here (`cryptography`), the keystore is PEM.

It runs from the jars `deploy/local/kafka.sh lib` resolves, on free ports, with every file in the
directory it is given: never the local stack's broker (127.0.0.1:9092/9093, .local/kafka/data).
"""
from __future__ import annotations

import base64
import datetime as dt
import ipaddress
import os
import secrets
import signal
import socket
import subprocess
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from shared.settings import REPO_ROOT

LOCAL_STACK_PORTS = (9092, 9093)
BROKER_CN = "carepay-test-broker"
JAVA_OPTS = ["-Xms256m", "-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Djava.awt.headless=true",
             f"-Dlog4j2.configurationFile={REPO_ROOT / 'deploy/local/log4j2.properties'}"]


def jars() -> Path:
    """The Kafka jars of the local stack (resolved by kafka.sh if they are not yet)."""
    out = subprocess.run([str(REPO_ROOT / "deploy/local/kafka.sh"), "lib"], capture_output=True, text=True,
                         timeout=600)
    if out.returncode != 0:
        raise RuntimeError(f"deploy/local/kafka.sh lib failed: {out.stderr.strip()[-2000:]}")
    return Path(out.stdout.strip().splitlines()[-1])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    if port in LOCAL_STACK_PORTS:  # the kernel hands out ephemeral ports; never the stack's
        return free_port()
    return port


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def make_pki(directory: Path) -> tuple[Path, Path]:
    """A CA (ca.pem) and the broker's keystore (broker.pem: its PKCS#8 key, its certificate for 127.0.0.1 and
    localhost, server and client use, and the CA's): valid for a day."""
    now = dt.datetime.now(dt.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (x509.CertificateBuilder().subject_name(_name("carepay-test-ca")).issuer_name(_name("carepay-test-ca"))
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                       content_commitment=False, key_encipherment=False, data_encipherment=False,
                                       key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder().subject_name(_name(BROKER_CN)).issuer_name(ca.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]),
                           critical=False)
            .sign(ca_key, hashes.SHA256()))
    pem = serialization.Encoding.PEM
    ca_file, keystore = directory / "ca.pem", directory / "broker.pem"
    ca_file.write_bytes(ca.public_bytes(pem))
    keystore.write_bytes(key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
                         + cert.public_bytes(pem) + ca.public_bytes(pem))
    keystore.chmod(0o600)
    return ca_file, keystore


@dataclass
class PrivateKafka:
    """One broker+controller process; `users` are the SCRAM-SHA-512 users (name -> password), `admin` among them."""

    directory: Path
    users: dict[str, str]
    port: int = field(default_factory=free_port)
    controller_port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None
    _starting: threading.Thread | None = None
    _failed: BaseException | None = None

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def ca_file(self) -> Path:
        return self.directory / "ca.pem"

    @property
    def log(self) -> Path:
        return self.directory / "kafka.log"

    def start(self) -> None:
        """Begin starting, in the background (the caller's own work goes on meanwhile); `wait_listening` waits."""
        assert self.port not in LOCAL_STACK_PORTS and self.controller_port not in LOCAL_STACK_PORTS
        self._starting = threading.Thread(target=self._start, name="private-kafka-start", daemon=True)
        self._starting.start()

    def _start(self) -> None:
        try:
            self._format_and_launch()
        except BaseException as exc:  # noqa: BLE001 - handed to wait_listening
            self._failed = exc

    def _format_and_launch(self) -> None:
        """Write the configuration, format the storage with the users, start the process."""
        _, keystore = make_pki(self.directory)
        props = self.directory / "server.properties"
        props.write_text(self._properties(keystore))
        lib = jars()
        classpath = f"{lib}/*"
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        scram = [arg for name, password in self.users.items()
                 for arg in ("--add-scram", f"SCRAM-SHA-512=[name={name},password={password}]")]
        formatted = subprocess.run(["java", *JAVA_OPTS, "-cp", classpath, "kafka.tools.StorageTool", "format",
                                    "-t", cluster_id, "-c", str(props), "--standalone", *scram],
                                   capture_output=True, text=True, timeout=120)
        if formatted.returncode != 0:
            raise RuntimeError(f"kafka-storage format failed: {formatted.stdout}{formatted.stderr}"[-3000:])
        with open(self.directory / "kafka.out", "ab") as out:
            self.process = subprocess.Popen(
                ["java", *JAVA_OPTS, "-Dkafka.log.appender=FILE", "-Dkafka.log.level=INFO",
                 f"-Dkafka.logs.dir={self.directory}", "-cp", classpath, "kafka.Kafka", str(props)],
                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def tail(self, lines: int = 40) -> str:
        text = "".join(p.read_text(errors="replace") for p in (self.directory / "kafka.out", self.log) if p.exists())
        return "\n".join(text.splitlines()[-lines:])

    def stop(self, timeout: float = 15.0) -> None:
        """SIGTERM this broker's process (and only it), SIGKILL when it outlives `timeout`."""
        if self._starting is not None:
            self._starting.join()  # a launch under way would leave its process behind
        if not self.alive():
            return
        os.kill(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(5)

    def wait_listening(self, deadline: float) -> None:
        """Until the client port accepts connections (the broker may still be finishing its start)."""
        self._starting.join(max(0.0, deadline - time.monotonic()))
        if self._failed is not None:
            raise self._failed
        while time.monotonic() < deadline:
            if not self.alive():
                raise RuntimeError(f"the private broker exited during start-up:\n{self.tail()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"the private broker did not listen on {self.bootstrap} in time:\n{self.tail()}")

    def _properties(self, keystore: Path) -> str:
        admin = self.users["admin"]
        return "\n".join([
            "process.roles=broker,controller",
            "node.id=1",
            f"controller.quorum.bootstrap.servers=127.0.0.1:{self.controller_port}",
            f"listeners=SASL_SSL://127.0.0.1:{self.port},CONTROLLER://127.0.0.1:{self.controller_port}",
            f"advertised.listeners=SASL_SSL://127.0.0.1:{self.port}",
            "controller.listener.names=CONTROLLER",
            "inter.broker.listener.name=SASL_SSL",
            "listener.security.protocol.map=CONTROLLER:SSL,SASL_SSL:SASL_SSL",
            # Clients: SCRAM-SHA-512 over TLS. The broker's own inter-broker client logs in as admin.
            "sasl.enabled.mechanisms=SCRAM-SHA-512",
            "sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512",
            "listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram."
            f'ScramLoginModule required username="admin" password="{admin}";',
            # One PEM keystore (key, certificate, CA) and the CA as truststore, for both listeners; the
            # controller listener asks for the broker's certificate: its principal is User:CN=<BROKER_CN>.
            "ssl.keystore.type=PEM",
            f"ssl.keystore.location={keystore}",
            "ssl.truststore.type=PEM",
            f"ssl.truststore.location={self.ca_file}",
            "listener.name.controller.ssl.client.auth=required",
            "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer",
            f"super.users=User:admin;User:CN={BROKER_CN}",
            "allow.everyone.if.no.acl.found=false",
            f"log.dirs={self.directory / 'data'}",
            "auto.create.topics.enable=false",
            "message.max.bytes=1000000",
            "offsets.topic.replication.factor=1",
            "offsets.topic.num.partitions=1",
            "transaction.state.log.replication.factor=1",
            "transaction.state.log.min.isr=1",
            "transaction.state.log.num.partitions=1",
            "share.coordinator.state.topic.replication.factor=1",
            "share.coordinator.state.topic.min.isr=1",
            "group.initial.rebalance.delay.ms=0",
            "num.network.threads=2",
            "num.io.threads=2",
            "",
        ])


def passwords(names) -> dict[str, str]:
    """A fresh random password for each user."""
    return {name: secrets.token_urlsafe(18) for name in names}
