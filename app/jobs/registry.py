"""Every scheduled job. A domain plugs its job in with one line here.

Each job function is idempotent (running it twice, or by hand while the scheduler also
runs it, changes nothing more) and returns a one-line summary for the job log; a domain
function that returns a count or a dict of counts is wrapped by `summarised`. Times are
the brand's timezone (TIMEZONE, Asia/Shanghai by default).
"""
from app.agents import jobs as agent_jobs
from app.chat import service as chat
from app.finance import jobs as finance_jobs
from app.inventory import jobs as inventory_jobs
from app.jobs import service as jobs
from app.jobs.service import Job
from app.notify import jobs as notify_jobs
from app.orders import jobs as order_jobs
from app.tasks import jobs as task_jobs
from app.tasks import service as tasks


def summarised(label, run):
    """`run` returning a count (or a dict of counts) turned into a job returning "label=N" ("k=v …" for a dict)."""
    def job():
        outcome = run()
        if isinstance(outcome, dict):
            return " ".join(f"{key}={value}" for key, value in outcome.items())
        return f"{label}={int(outcome)}"
    return job


def _reconciled(run):
    if run is None:
        return "skipped (no WeChat Pay APIv3)"
    return f"bill_date={run.bill_date} rows={run.bill_rows} discrepancies={run.discrepancies}"


JOBS = [
    Job("drain_outbox", notify_jobs.drain_outbox, every_seconds=3),
    Job("scan_low_stock", summarised("queued", inventory_jobs.scan_low_stock), every_seconds=1800),
    Job("cancel_unpaid_orders", summarised("cancelled", order_jobs.cancel_unpaid_orders), every_seconds=300),
    Job("settle_wechat_pay", summarised("settled", order_jobs.settle_wechat_pay), every_seconds=120),
    Job("receive_shipped_orders", summarised("received", order_jobs.receive_shipped_orders), every_seconds=600),
    Job("subscribe_parcels", summarised("subscribed", order_jobs.subscribe_parcels), every_seconds=60),
    Job("watch_stuck_parcels", summarised("queued", order_jobs.watch_stuck_parcels), every_seconds=3600),
    Job("complete_received_orders", summarised("completed", order_jobs.complete_received_orders), at="03:30"),
    Job("expire_lapsed_agents", summarised("expired", agent_jobs.expire_lapsed_agents), at="00:10"),
    Job("review_agent_levels", summarised("review", agent_jobs.review_levels), at="02:00"),
    Job("warn_expiring_terms", summarised("queued", agent_jobs.warn_expiring_terms), at="09:00"),
    Job("release_commissions", summarised("released", finance_jobs.release_available_commissions), at="05:00"),
    Job("award_team_bonus", summarised("credited", finance_jobs.award_team_bonus), at="05:30"),
    Job("settle_wechat_top_ups", summarised("settled", finance_jobs.settle_wechat_top_ups), every_seconds=300),
    Job("settle_transfers", summarised("settled", finance_jobs.settle_transfers), every_seconds=300),
    Job("reconcile_trade_bill", lambda: _reconciled(finance_jobs.reconcile_trade_bill()), at="10:30"),
    Job("send_order_digest", summarised("queued", order_jobs.send_daily_digest), at="21:00"),
    Job("prune_handled_messages", summarised("pruned", chat.prune_handled_messages), at="04:10"),
    Job("prune_job_runs", summarised("pruned", jobs.prune_job_runs), at="04:20"),
    Job("run_background_tasks", summarised("ran", task_jobs.run_queued), every_seconds=5),
    Job("prune_background_tasks", summarised("pruned", tasks.prune_tasks), at="04:30"),
]


def job_named(name):
    """The registered job called `name`, or None."""
    return next((job for job in JOBS if job.name == name), None)
