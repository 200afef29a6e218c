"""A private primary and read replica (two mariadbd of our own, GTID replication) for tests and bench/replica.py."""
import os

from tests.faults import PrivateMariaDB, wait_until

REPLICATION_OPTIONS = ("--log-bin=binlog", "--binlog-format=ROW", "--gtid-strict-mode=1", "--log-slave-updates=1")


class ReplicaPair:
    """A primary (server id 1) and a replica (server id 2) replicating it by GTID, on loopback ports."""

    def __init__(self, directory):
        self.primary = PrivateMariaDB(os.path.join(str(directory), "primary"),
                                      options=(*REPLICATION_OPTIONS, "--server-id=1"))
        self.replica = PrivateMariaDB(os.path.join(str(directory), "replica"),
                                      options=(*REPLICATION_OPTIONS, "--server-id=2", "--read-only=1"))

    def start(self):
        """Install and start both servers, then point the replica at the primary and start replicating."""
        for server in (self.primary, self.replica):
            server.install().start()
        self.replica.sql(f"CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT={self.primary.port}, "
                         "MASTER_USER='root', MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=1",
                         "START SLAVE")
        return self

    def create_database(self, name):
        """Create `name` on the primary (replication creates it on the replica); both URLs."""
        url = self.primary.create_database(name)
        if not wait_until(lambda: self.replica.sql(f"SHOW DATABASES LIKE '{name}'"), 30):
            raise RuntimeError("the replica did not replicate CREATE DATABASE; see its mariadbd.log")
        return url, f"mysql://root@127.0.0.1:{self.replica.port}/{name}"

    def caught_up(self, seconds=10):
        """True when the replica has applied everything the primary has written (waiting up to `seconds`)."""
        position, = self.primary.sql("SELECT @@gtid_binlog_pos")
        return self.replica.sql(f"SELECT MASTER_GTID_WAIT('{position}', {seconds})")[0] == 0

    def stop_replication(self):
        self.replica.sql("STOP SLAVE")

    def start_replication(self):
        self.replica.sql("START SLAVE")

    def close(self):
        for server in (self.replica, self.primary):
            server.close()
