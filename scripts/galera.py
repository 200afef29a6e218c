"""Run the test suite on a private 3-node Galera cluster (`make test-galera`), or just start one.

    python scripts/galera.py test [PYTEST_ARGS...]   start a cluster in a temporary directory, run the whole
                                                     suite with each test's connections spread over the nodes,
                                                     stop the cluster; prints how long it took
    python scripts/galera.py start DIR               start a cluster in DIR and print its DATABASE_URL
                                                     (stop it with `python scripts/galera.py stop DIR`)
"""
import os
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from tests.galera import GaleraCluster  # noqa: E402

DATABASE = "weishang_test_galera"


def run_suite(args):
    with tempfile.TemporaryDirectory(prefix="weishang-galera-") as directory:
        began = time.monotonic()
        cluster = GaleraCluster(directory).start()
        print(f"galera: {len(cluster.nodes)} nodes synced in {time.monotonic() - began:.0f}s", flush=True)
        try:
            url = cluster.create_database(DATABASE)
            env = {**os.environ, "TEST_DATABASE_URL": url, "TEST_SPREAD_CONNECTIONS": "1"}
            began = time.monotonic()
            code = subprocess.call([sys.executable, "-m", "pytest", *args], cwd=ROOT, env=env)
            print(f"galera: the suite took {time.monotonic() - began:.0f}s", flush=True)
            return code
        finally:
            cluster.stop()


def start(directory):
    cluster = GaleraCluster(directory).start()
    with open(os.path.join(directory, "pids"), "w") as out:
        out.write(" ".join(str(node.process.pid) for node in cluster.nodes))
    print(cluster.create_database("weishang"))


def stop(directory):
    with open(os.path.join(directory, "pids")) as pids:
        for pid in pids.read().split():
            try:
                os.kill(int(pid), signal.SIGTERM)
            except ProcessLookupError:
                pass


if __name__ == "__main__":
    command, rest = (sys.argv[1], sys.argv[2:]) if len(sys.argv) > 1 else ("test", [])
    if command == "test":
        sys.exit(run_suite(rest))
    {"start": start, "stop": stop}[command](*rest)
