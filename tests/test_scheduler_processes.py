"""Two `flask scheduler` processes against MySQL: one runs the jobs, and killing it hands over."""
import os
import signal
import subprocess
import sys
import time

import pytest

from app.jobs.models import JobRun

pytestmark = [pytest.mark.mysql_only, pytest.mark.committed]

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def start_scheduler(database_url):
    env = {**os.environ, "DATABASE_URL": database_url, "ENV": "testing", "FLASK_APP": "wsgi",
           "SCHEDULER_LEASE_SECONDS": "4", "SCHEDULER_RENEW_SECONDS": "1",
           "WECHAT_OA_APPID": "", "WECHAT_OA_SECRET": ""}
    return subprocess.Popen([sys.executable, "-m", "flask", "scheduler"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def pids_running_jobs(since_id=0):
    """The pids (from the holder name host:pid:tag) that logged job runs after `since_id`."""
    runs = JobRun.select().where(JobRun.id > since_id, JobRun.job == "drain_outbox")
    return {int(run.holder.split(":")[1]) for run in runs}


def wait_for(condition, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.5)
    return False


def last_run_id():
    return JobRun.select(JobRun.id).order_by(JobRun.id.desc()).scalar() or 0


@pytest.fixture
def schedulers(database_url):
    started = []
    yield lambda: started.append(start_scheduler(database_url)) or started[-1]
    for process in started:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=10)


def test_only_one_scheduler_runs_jobs_and_a_killed_one_hands_over(schedulers):
    first = schedulers()
    assert wait_for(lambda: first.pid in pids_running_jobs(), 30), "the first scheduler never ran a job"
    second = schedulers()
    mark = last_run_id()
    time.sleep(8)
    assert pids_running_jobs(mark) == {first.pid}

    first.kill()
    first.wait()
    mark = last_run_id()
    assert wait_for(lambda: second.pid in pids_running_jobs(mark), 30), "the second scheduler never took over"
