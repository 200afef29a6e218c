"""The tasks domain's scheduled work: the scheduler's job and the development web process's thread run queued tasks."""
from app.tasks.worker import run_queued, start_worker_thread  # noqa: F401  (registered by app.jobs.registry and app)
