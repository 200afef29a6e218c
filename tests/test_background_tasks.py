"""Background tasks: the queue, one worker per task, stale heartbeats, progress, failures, result files."""
import os
import threading
from datetime import timedelta

import pytest

from app.clock import utcnow
from app.errors import InvalidInput, NotFound
from app.jobs.registry import job_named
from app.tasks import service as tasks
from app.tasks import worker
from app.tasks.models import BackgroundTask
from tests.factories import make_admin


@pytest.fixture
def handler():
    """Register a test task kind whose handler the test sets: `handler.run = lambda run: ...`."""
    class Handler:
        run = staticmethod(lambda run: None)
    tasks.register("test", lambda run: Handler.run(run))
    yield Handler
    del tasks.HANDLERS["test"]


def queued(count=1, *, actor=None):
    actor = actor or make_admin("staff")
    return [tasks.submit(kind="test", params={"n": index}, actor=actor) for index in range(count)]


def stale_running(*, attempts=1):
    task = queued()[0]
    BackgroundTask.update(status="running", worker="dead", attempts=attempts,
                          heartbeat_at=utcnow() - timedelta(seconds=worker.STALE_SECONDS + 1)).execute()
    return BackgroundTask.get_by_id(task.id)


def test_a_submitted_task_waits_in_the_queue(handler):
    task = queued()[0]
    assert (task.status, task.done, task.total, task.params) == ("queued", 0, 0, '{"n": 0}')


def test_a_kind_without_a_handler_is_refused():
    with pytest.raises(ValueError):
        tasks.submit(kind="nothing", params={}, actor=make_admin())


def test_a_worker_claims_the_oldest_queued_task(handler):
    first, _ = queued(2)
    claimed = worker.claim(worker="w1")
    assert (claimed.id, claimed.status, claimed.worker, claimed.attempts) == (first.id, "running", "w1", 1)
    assert claimed.heartbeat_at is not None and claimed.started_at is not None


def test_there_is_nothing_to_claim_in_an_empty_queue():
    assert worker.claim(worker="w1") is None


@pytest.mark.committed
def test_two_workers_at_once_never_claim_the_same_task(handler):
    queued(3)
    barrier, claimed = threading.Barrier(6), []

    def work(name):
        from app.database import db
        db.connect(reuse_if_open=True)
        try:
            barrier.wait()
            while (task := worker.claim(worker=name)) is not None:
                claimed.append(task.id)
        finally:
            db.close()
    threads = [threading.Thread(target=work, args=(f"w{index}",)) for index in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(claimed) == sorted(task.id for task in BackgroundTask.select())
    assert len(set(claimed)) == 3


def test_a_running_task_whose_heartbeat_is_stale_is_claimed_again(handler):
    task = stale_running()
    claimed = worker.claim(worker="w2")
    assert (claimed.id, claimed.worker, claimed.attempts) == (task.id, "w2", 2)


def test_a_running_task_with_a_fresh_heartbeat_is_left_to_its_worker(handler):
    queued()
    worker.claim(worker="w1")
    assert worker.claim(worker="w2") is None


def test_a_worker_whose_task_was_reclaimed_stops_at_its_next_report(handler):
    task = stale_running()
    old = worker.Run(task, "dead")
    worker.claim(worker="w2")
    with pytest.raises(worker.LostClaim):
        old.step(1, 10)


def test_a_task_that_lost_its_worker_on_every_attempt_fails(handler):
    task = stale_running(attempts=worker.MAX_ATTEMPTS)
    assert worker.claim(worker="w2") is None
    task = BackgroundTask.get_by_id(task.id)
    assert (task.status, task.error) == ("failed", worker.ABANDONED_MESSAGE)


def test_progress_is_recorded_as_the_handler_reports_it(handler):
    seen = []

    def run(task_run):
        task_run.step(3, 10)
        seen.append(BackgroundTask.get_by_id(task_run.task.id))
        task_run.step(10, 10)
    handler.run = run
    queued()
    task = worker.run_next(worker="w1")
    assert (seen[0].status, seen[0].done, seen[0].total) == ("running", 3, 10)
    assert (task.status, task.done, task.total) == ("done", 10, 10) and task.finished_at is not None


def test_a_refusal_fails_the_task_with_its_chinese_message(handler):
    def run(task_run):
        raise InvalidInput.on("lot", "批号不能为空且不超过32个字符")
    handler.run = run
    queued()
    task = worker.run_next(worker="w1")
    assert (task.status, task.error) == ("failed", "批号不能为空且不超过32个字符")


def test_a_crash_fails_the_task_with_a_general_chinese_message(handler):
    def run(task_run):
        raise RuntimeError("disk full")
    handler.run = run
    queued()
    task = worker.run_next(worker="w1")
    assert (task.status, task.error) == ("failed", worker.FAILED_MESSAGE)


def write_report(task_run):
    with open(task_run.path, "wb") as out:
        out.write(b"report")
    return "report.txt", "text/plain"


def test_a_file_a_task_wrote_is_its_result(handler):
    handler.run = write_report
    staff = make_admin("staff")
    queued(actor=staff)
    task = worker.run_next(worker="w1")
    path, name, mimetype = tasks.result_file(task.id, viewer=staff)
    assert open(path, "rb").read() == b"report" and (name, mimetype) == ("report.txt", "text/plain")


def test_a_user_sees_only_its_own_tasks_and_the_owner_sees_all(handler):
    staff, other = make_admin("staff"), make_admin("warehouse")
    mine = queued(actor=staff)[0]
    theirs = queued(actor=other)[0]
    assert [task.id for task in tasks.list_tasks(viewer=staff)[0]] == [mine.id]
    assert {task.id for task in tasks.list_tasks(viewer=make_admin("owner"))[0]} >= {mine.id, theirs.id}
    with pytest.raises(NotFound):
        tasks.get_task(theirs.id, viewer=staff)


def test_run_queued_runs_every_waiting_task(handler):
    queued(3)
    assert worker.run_queued(worker="w1") == 3
    assert {task.status for task in BackgroundTask.select()} == {"done"}


def test_finished_tasks_are_pruned_with_their_files_after_a_week(handler):
    handler.run = write_report
    queued()
    task = worker.run_next(worker="w1")
    BackgroundTask.update(finished_at=utcnow() - timedelta(days=tasks.RETENTION_DAYS + 1)).execute()
    assert tasks.prune_tasks() == 1
    assert BackgroundTask.select().count() == 0
    assert not os.path.exists(task.result_path)


def test_the_scheduler_job_runs_the_waiting_tasks(handler):
    queued(2)
    assert job_named("run_background_tasks").run() == "ran=2"
