"""A private 3-node Galera cluster on loopback (own datadirs and ports), for `make test-galera` and the fault run.

Each node is a mariadbd with its own option file: the MySQL port, the group port, the
IST and SST ports all on 127.0.0.1. The first node bootstraps the cluster; the others
join it by SST (rsync). A node may be SIGKILLed and started again: it rejoins.
"""
import os
import shutil
import subprocess

import MySQLdb

from tests.faults import free_port, wait_until

PROVIDER = "/usr/lib/galera/libgalera_smm.so"
CLUSTER_NAME = "weishang-test"
# The SST's rsync daemon, started by a root mariadbd, drops to `nobody`: a node's datadir is opened to everyone
# before the node starts (a private temporary directory), so that a joiner can receive a state transfer.


class GaleraNode:
    """One node: its ports, datadir, option file and process."""

    def __init__(self, directory, index):
        self.index, self.directory = index, os.path.join(str(directory), f"node{index}")
        self.port, self.group_port, self.ist_port, self.sst_port = (free_port() for _ in range(4))
        self.process = None

    @property
    def option_file(self):
        return os.path.join(self.directory, "my.cnf")

    def write_options(self, cluster_address):
        os.makedirs(self.directory, exist_ok=True)
        data = os.path.join(self.directory, "data")
        with open(self.option_file, "w") as out:
            out.write(f"""[mysqld]
datadir={data}
port={self.port}
bind-address=127.0.0.1
socket={self.directory}/mariadbd.sock
pid-file={self.directory}/mariadbd.pid
log-error={self.directory}/mariadbd.log
user=root
character-set-server=utf8mb4
collation-server=utf8mb4_unicode_ci
default-storage-engine=InnoDB
innodb-buffer-pool-size=64M
innodb-autoinc-lock-mode=2
innodb-flush-log-at-trx-commit=2
innodb-doublewrite=0
innodb-flush-method=nosync
binlog-format=ROW
wsrep-on=ON
wsrep-provider={PROVIDER}
wsrep-cluster-name={CLUSTER_NAME}
wsrep-cluster-address={cluster_address}
wsrep-node-name=node{self.index}
wsrep-node-address=127.0.0.1:{self.group_port}
wsrep-node-incoming-address=127.0.0.1:{self.port}
wsrep-provider-options=gmcast.listen_addr=tcp://127.0.0.1:{self.group_port};ist.recv_addr=127.0.0.1:{self.ist_port};gcache.size=128M;evs.suspect_timeout=PT3S;evs.inactive_timeout=PT6S;evs.install_timeout=PT6S
wsrep-sst-method=rsync
wsrep-sst-receive-address=127.0.0.1:{self.sst_port}
wsrep-slave-threads=2
wsrep-sync-wait=1
wsrep-retry-autocommit=1
""")

    def install(self):
        subprocess.run(["mariadb-install-db", f"--defaults-file={self.option_file}", "--user=root",
                        "--auth-root-authentication-method=normal", "--skip-test-db", "--wsrep-on=OFF"],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def start(self, *, bootstrap=False):
        """Start the node (bootstrapping a new cluster, or joining) and wait until it is synced."""
        subprocess.run(["chmod", "-R", "a+rwX", os.path.join(self.directory, "data")], check=True)
        self.process = subprocess.Popen(["mariadbd", f"--defaults-file={self.option_file}",
                                         *(["--wsrep-new-cluster"] if bootstrap else self._recovered_position())],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if not wait_until(self.synced, 120, step=0.2):
            raise RuntimeError(f"galera node{self.index} did not sync; see {self.directory}/mariadbd.log")
        return self

    def _recovered_position(self):
        """After a crash (grastate.dat's seqno is -1) the position InnoDB reached, as `--wsrep-recover` finds it
        (what the systemd unit's galera_recovery does): the node then rejoins by IST from a survivor's cache
        instead of a full state transfer."""
        state = os.path.join(self.directory, "data", "grastate.dat")
        if not os.path.exists(state) or "seqno:   -1" not in open(state).read():
            return []
        subprocess.run(["mariadbd", f"--defaults-file={self.option_file}", "--wsrep-recover",
                        f"--log-error={self.directory}/recover.log"], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        with open(os.path.join(self.directory, "recover.log")) as log:
            found = [line.rsplit("Recovered position:", 1)[1].strip() for line in log if "Recovered position:" in line]
        return [f"--wsrep-start-position={found[-1]}"] if found else []

    def synced(self):
        if self.process.poll() is not None:
            raise RuntimeError(f"galera node{self.index} exited; see {self.directory}/mariadbd.log")
        try:
            connection = MySQLdb.connect(host="127.0.0.1", port=self.port, user="root", connect_timeout=1)
        except MySQLdb.OperationalError:
            return False
        try:
            with connection.cursor() as cursor:
                cursor.execute("SHOW STATUS LIKE 'wsrep_local_state_comment'")
                row = cursor.fetchone()
            return bool(row) and row[1] == "Synced"
        finally:
            connection.close()

    def kill(self):
        """SIGKILL, as a crashed machine."""
        self.process.kill()
        self.process.wait()

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.kill()


class GaleraCluster:
    """Three nodes on loopback; `url(name)` names them all, so the app's pool spreads connections over them."""

    def __init__(self, directory, *, size=3):
        self.directory = str(directory)
        self.nodes = [GaleraNode(directory, index) for index in range(1, size + 1)]

    @staticmethod
    def available():
        return bool(os.path.exists(PROVIDER) and shutil.which("mariadbd") and shutil.which("rsync"))

    def start(self):
        address = "gcomm://" + ",".join(f"127.0.0.1:{node.group_port}" for node in self.nodes)
        for node in self.nodes:
            node.write_options(address)
        for node in self.nodes:  # the joiners' system tables are replaced by the donor's in the SST
            node.install()
        self.nodes[0].start(bootstrap=True)
        for node in self.nodes[1:]:
            node.start()
        return self

    def size(self):
        """The cluster's size as the first live node sees it."""
        node = next(node for node in self.nodes if node.process and node.process.poll() is None)
        return int(self.sql(node, "SHOW STATUS LIKE 'wsrep_cluster_size'")[1])

    def sql(self, node, statement):
        connection = MySQLdb.connect(host="127.0.0.1", port=node.port, user="root", autocommit=True)
        try:
            with connection.cursor() as cursor:
                cursor.execute(statement)
                return cursor.fetchone()
        finally:
            connection.close()

    def create_database(self, name):
        self.sql(self.nodes[0], f"CREATE DATABASE IF NOT EXISTS `{name}` CHARACTER SET utf8mb4 "
                                "COLLATE utf8mb4_unicode_ci")
        return self.url(name)

    def url(self, name):
        return "mysql://root@" + ",".join(f"127.0.0.1:{node.port}" for node in self.nodes) + f"/{name}"

    def stop(self):
        for node in reversed(self.nodes):
            node.stop()
