"""Every benchmark still runs: each at its smoke size (seconds), ending with its line of JSON. No timing is checked.

The benches need MariaDB; each gets a database of its own named after the test database, which the bench creates
and drops. bench/faults.py is only loaded here (its smoke run, a private MariaDB put through six faults, takes
most of a minute): tests/test_faults.py puts the same machinery (tests/faults.py) through the same faults.
"""
import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parent.parent
SMOKED = ["agents", "bot", "cloud", "codes", "console", "finance", "goods", "load", "orders", "pay",
          "quick_entry", "replica", "statements", "stock", "tracking"]


def bench_env(name):
    test_url = urlparse(os.environ["TEST_DATABASE_URL"])
    database = f"{test_url.path.lstrip('/')}_bench_{name}"
    first_server = test_url.netloc.split(",")[0]  # on a cluster (make test-galera) a bench uses one node
    return {**os.environ, "BENCH_DATABASE_URL": test_url._replace(netloc=first_server, path=f"/{database}").geturl()}


def run_bench(name, *args):
    return subprocess.run([sys.executable, str(ROOT / "bench" / f"{name}.py"), *args], cwd=ROOT, env=bench_env(name),
                          capture_output=True, text=True, timeout=300)


@pytest.mark.mysql_only
@pytest.mark.parametrize("name", SMOKED)
def test_a_bench_at_its_smoke_size_ends_with_its_figures_as_json(name):
    done = run_bench(name, "--smoke")
    assert done.returncode == 0, done.stderr[-3000:]
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    assert isinstance(figures, dict) and figures


@pytest.mark.mysql_only
def test_the_faults_bench_loads_and_takes_a_smoke_size():
    done = run_bench("faults", "--help")
    assert done.returncode == 0, done.stderr[-3000:]
    assert "--smoke" in done.stdout


def test_every_bench_is_smoked_or_named_here():
    benches = {path.stem for path in (ROOT / "bench").glob("*.py")} - {"common", "__init__"}
    assert benches == set(SMOKED) | {"faults"}
