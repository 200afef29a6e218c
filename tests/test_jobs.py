"""Jobs: each run logged, a failing job contained, by hand from the CLI, the scheduler lease, the job table in docs/."""
import json
import re
from datetime import timedelta
from pathlib import Path

import pytest

from app.clock import local_today, utcnow
from app.jobs import service as jobs
from app.jobs.models import JobRun
from app.jobs.registry import JOBS, summarised
from app.jobs.service import Job
from app.notify.models import Notification


def broken():
    raise RuntimeError("库存表不存在")


def test_a_job_run_is_logged_with_its_summary():
    run = jobs.run_job(Job("counting", lambda: "counted=3", every_seconds=60), holder="test")
    assert (run.status, run.detail, run.holder) == ("ok", "counted=3", "test")
    assert run.finished_at is not None


def test_a_failing_job_is_logged_and_does_not_raise():
    run = jobs.run_job(Job("broken", broken, every_seconds=60), holder="test")
    assert (run.status, run.detail) == ("failed", "RuntimeError: 库存表不存在")


def test_jobs_run_by_hand_from_the_cli(app):
    result = app.test_cli_runner().invoke(args=["jobs", "run", "drain_outbox"])
    assert result.exit_code == 0, result.output
    assert "drain_outbox: ok sent=0" in result.output
    assert JobRun.get(JobRun.job == "drain_outbox").holder == "manual"


def test_jobs_run_refuses_an_unknown_job(app):
    result = app.test_cli_runner().invoke(args=["jobs", "run", "make_coffee"])
    assert result.exit_code != 0 and "no job named" in result.output


def test_jobs_list_shows_each_job_and_its_last_run(app):
    app.test_cli_runner().invoke(args=["jobs", "run", "drain_outbox"])
    output = app.test_cli_runner().invoke(args=["jobs", "list"]).output
    assert "drain_outbox" in output and "every 3s" in output and "ok at" in output
    assert "prune_job_runs" in output and "never run" in output


def test_the_lease_is_held_by_one_holder_at_a_time():
    assert jobs.hold_lease(holder="a", seconds=30)
    assert not jobs.hold_lease(holder="b", seconds=30)
    assert jobs.hold_lease(holder="a", seconds=30)


def test_an_expired_lease_is_taken_over():
    jobs.hold_lease(holder="a", seconds=30)
    assert jobs.hold_lease(holder="b", seconds=30, now=utcnow() + timedelta(seconds=31))
    assert not jobs.hold_lease(holder="a", seconds=30, now=utcnow() + timedelta(seconds=32))


def test_a_released_lease_is_free_at_once():
    jobs.hold_lease(holder="a", seconds=30)
    jobs.release_lease(holder="a")
    assert jobs.hold_lease(holder="b", seconds=30)


def test_old_job_runs_are_pruned():
    JobRun.create(job="old", holder="x", started_at=utcnow() - timedelta(days=8))
    JobRun.create(job="new", holder="x")
    assert jobs.prune_job_runs() == 1
    assert [run.job for run in JobRun.select()] == ["new"]


def test_jobs_list_shows_every_registered_job(app):
    output = app.test_cli_runner().invoke(args=["jobs", "list"]).output
    for job in JOBS:
        assert job.name in output
    assert "daily at 21:00" in output


@pytest.mark.parametrize("name", [job.name for job in JOBS])
def test_each_job_runs_by_hand_on_an_empty_database(app, name):
    result = app.test_cli_runner().invoke(args=["jobs", "run", name])
    assert result.exit_code == 0, result.output
    assert f"{name}: ok " in result.output


def test_a_count_is_summarised_with_its_label():
    assert summarised("cancelled", lambda: 2)() == "cancelled=2"


def test_a_dict_of_counts_is_summarised_key_by_key():
    assert summarised("review", lambda: {"proposed": 1, "applied": 0})() == "proposed=1 applied=0"


def readme_job_table():
    """{job name: ("every", seconds) or ("at", "HH:MM")} from the job table of docs/official-account.md."""
    readme = (Path(__file__).resolve().parent.parent / "docs" / "official-account.md").read_text(encoding="utf-8")
    table = readme.split("| job | when (Asia/Shanghai) | what |\n| --- | --- | --- |\n", 1)[1].split("\n\n", 1)[0]
    units = {"s": 1, "min": 60, "h": 3600}
    jobs_in_readme = {}
    for row in table.splitlines():
        names, when, _ = (cell.strip() for cell in row.strip("|").split("|", 2))
        for name, time_ in zip(re.findall(r"`(\w+)`", names), when.split(", "), strict=True):
            every = re.fullmatch(r"every (\d+) (s|min|h)", time_)
            jobs_in_readme[name] = ("every", int(every[1]) * units[every[2]]) if every else ("at", time_)
    return jobs_in_readme


def test_the_readme_job_table_lists_every_registered_job_with_its_schedule():
    registered = {job.name: ("every", job.every_seconds) if job.every_seconds else ("at", job.at) for job in JOBS}
    assert readme_job_table() == registered


def test_the_scheduled_order_digest_is_of_today(app):
    assert app.test_cli_runner().invoke(args=["jobs", "run", "send_order_digest"]).exit_code == 0
    digest = Notification.get(Notification.kind == "order_digest")
    assert json.loads(digest.data)["day"] == local_today().isoformat()
