"""DATABASE_TLS_CA: the app's MySQL connections, and the backup's, encrypted and refused unless the server's
certificate is the CA's for the host the URL names, against a private mariadbd speaking TLS to a user who must
use it."""
import datetime
import ipaddress
import os
import subprocess
import sys

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from peewee import OperationalError

from app.database import is_mysql, open_database
from tests.faults import PrivateMariaDB

pytestmark = pytest.mark.mysql_only

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _name(common_name):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _certificate(subject, key, *, issuer=None, issuer_key=None, names=None):
    """A certificate of `key` for `subject`: a CA's own (no issuer) or one `issuer` signed for `names`."""
    now = datetime.datetime.now(datetime.timezone.utc)
    builder = (x509.CertificateBuilder().subject_name(_name(subject)).public_key(key.public_key())
               .issuer_name(issuer.subject if issuer else _name(subject)).serial_number(x509.random_serial_number())
               .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=7)))
    if issuer is None:
        builder = builder.add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
    else:
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    return builder.sign(issuer_key or key, hashes.SHA256())


def _write(path, *, certificate=None, key=None):
    with open(path, "wb") as file:
        if certificate is not None:
            file.write(certificate.public_bytes(serialization.Encoding.PEM))
        else:
            file.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                         serialization.NoEncryption()))


class TlsServer:
    """A private mariadbd with a certificate our test CA signed for 127.0.0.1, and the user `app` who may connect
    only over TLS; `name_certificate(names)` makes it present one for other names instead (FLUSH SSL)."""

    def __init__(self, directory):
        self.directory = str(directory)
        self.ca_key, self.server_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
        self.ca = _certificate("weishang test CA", self.ca_key)
        self.ca_file, self.other_ca_file = self._path("ca.pem"), self._path("other-ca.pem")
        _write(self.ca_file, certificate=self.ca)
        other_key = ec.generate_private_key(ec.SECP256R1())
        _write(self.other_ca_file, certificate=_certificate("another CA", other_key))
        _write(self._path("server-key.pem"), key=self.server_key)
        self._write_server_certificate([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))])
        self.server = PrivateMariaDB(self._path("server"), options=(
            f"--ssl-ca={self.ca_file}", f"--ssl-cert={self._path('server.pem')}",
            f"--ssl-key={self._path('server-key.pem')}"))

    def _path(self, name):
        return os.path.join(self.directory, name)

    def _write_server_certificate(self, names):
        _write(self._path("server.pem"), certificate=_certificate(
            "database", self.server_key, issuer=self.ca, issuer_key=self.ca_key, names=names))

    def start(self):
        self.server.install().start()
        self.server.sql("CREATE USER 'app'@'%' REQUIRE SSL", "GRANT ALL ON *.* TO 'app'@'%'",
                        "CREATE DATABASE weishang CHARACTER SET utf8mb4",
                        # What a replica read looks at first, to age its data (migration 0130).
                        "CREATE TABLE weishang.replica_heartbeat (id INT PRIMARY KEY, beat_at DATETIME NOT NULL)")
        self.url = f"mysql://app@127.0.0.1:{self.server.port}/weishang"
        return self

    def name_certificate(self, names):
        self._write_server_certificate(names)
        self.server.sql("FLUSH SSL")

    def close(self):
        self.server.close()


@pytest.fixture(scope="module")
def tls(tmp_path_factory):
    if not is_mysql():
        pytest.skip("needs MySQL")
    if not PrivateMariaDB.available():
        pytest.skip("needs the mariadbd and mariadb-install-db binaries to run a private server")
    server = TlsServer(tmp_path_factory.mktemp("tls")).start()
    yield server
    server.close()


def _cipher(database):
    try:
        return database.execute_sql("SHOW SESSION STATUS LIKE 'Ssl_cipher'").fetchone()[1]
    finally:
        database.close_all()


def test_with_the_ca_every_connection_is_encrypted(tls):
    assert _cipher(open_database(tls.url, tls_ca=tls.ca_file)).startswith("TLS_")


def test_an_encrypted_connection_given_back_is_used_again(tls):
    database = open_database(tls.url, tls_ca=tls.ca_file)
    try:
        database.connect()
        first = database.execute_sql("SELECT CONNECTION_ID()").fetchone()
        database.close()
        database.connect()
        assert database.execute_sql("SELECT CONNECTION_ID()").fetchone() == first
        database.close()
    finally:
        database.close_all()


def test_a_server_whose_certificate_another_ca_signed_is_refused(tls):
    with pytest.raises(OperationalError, match="TLS/SSL error"):
        _cipher(open_database(tls.url, tls_ca=tls.other_ca_file))


def test_a_certificate_of_the_ca_for_another_host_is_refused(tls):
    tls.name_certificate([x509.DNSName("db.internal")])
    try:
        with pytest.raises(OperationalError, match="TLS/SSL error"):
            _cipher(open_database(tls.url, tls_ca=tls.ca_file))
    finally:
        tls.name_certificate([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))])


def test_without_the_setting_a_server_that_requires_tls_refuses_the_app(tls):
    with pytest.raises(OperationalError, match="Access denied"):
        _cipher(open_database(tls.url))


# In a process of its own: an app built here would replace this session's settings, database and limiter.
APP_PROBE = """
import sys
from app import create_app
from app.database import data_age, db, replica_read
create_app({"DATABASE_URL": sys.argv[1], "DATABASE_REPLICA_URL": sys.argv[1], "DATABASE_TLS_CA": sys.argv[2]})
cipher = "SHOW SESSION STATUS LIKE 'Ssl_cipher'"
print(db.execute_sql(cipher).fetchone()[1], replica_read(lambda: db.execute_sql(cipher).fetchone()[1]), data_age())
"""


def test_the_app_and_its_replica_reads_connect_with_the_setting(tls):
    probe = subprocess.run([sys.executable, "-c", APP_PROBE, tls.url, tls.ca_file], capture_output=True, text=True,
                           cwd=ROOT, timeout=60)
    assert probe.returncode == 0, probe.stderr
    primary, replica, replica_data_age = probe.stdout.split()
    assert primary.startswith("TLS_") and replica.startswith("TLS_")
    assert replica_data_age != "None"  # read from the replica, not the primary it falls back to


def test_a_pool_over_several_servers_encrypts_and_checks_each(tls):
    servers = f"127.0.0.1:{tls.server.port},127.0.0.1:{tls.server.port}"
    url = tls.url.replace(f"127.0.0.1:{tls.server.port}", servers)
    assert _cipher(open_database(url, tls_ca=tls.ca_file)).startswith("TLS_")
    with pytest.raises(OperationalError, match="TLS/SSL error"):
        _cipher(open_database(url, tls_ca=tls.other_ca_file))


def _backup(tls, ca_file, backup_dir):
    return subprocess.run([os.path.join(ROOT, "deploy", "backup.sh")], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "DATABASE_URL": tls.url, "DATABASE_TLS_CA": ca_file,
                               "BACKUP_DIR": str(backup_dir)})


def test_the_backup_talks_tls_with_the_setting(tls, tmp_path):
    done = _backup(tls, tls.ca_file, tmp_path)
    assert done.returncode == 0, done.stderr
    assert os.path.getsize(done.stdout.strip().splitlines()[-1]) > 0


def test_the_backup_refuses_a_server_whose_certificate_another_ca_signed(tls, tmp_path):
    assert _backup(tls, tls.other_ca_file, tmp_path).returncode != 0


def test_the_backup_refuses_a_certificate_of_the_ca_for_another_host(tls, tmp_path):
    tls.name_certificate([x509.DNSName("db.internal")])
    try:
        assert _backup(tls, tls.ca_file, tmp_path).returncode != 0
    finally:
        tls.name_certificate([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))])
