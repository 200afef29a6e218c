"""The agent network at scale on MariaDB: a whole downline with counts, and a full promotion review.

    python bench/agents.py [--smoke | --quick] [--url mysql://root@127.0.0.1:3306/weishang_bench_agents]

Builds 100,000 agents ten levels deep (10,000 with --quick, 1,000 with --smoke) by bulk insert, with
three purchases per agent over the last 120 days. Then, for the agent whose
team is nearest 10,000 members (1,000 with --quick, 100 with --smoke), it fetches the whole
downline with counts by depth and by level three ways: the closure table the
app uses, a recursive CTE over the upline links, and as the floor the same
number of agent rows fetched by primary key range. Last it runs the full
review (`review_levels`), with the floor the one GROUP BY over the purchase
ledger that the review starts from. Ends with one line of JSON.
"""
import random
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import create_app, migrate  # noqa: E402
from app.agents import service as agents  # noqa: E402
from app.agents.models import Agent, AgentLevel, AgentPurchase  # noqa: E402
from app.agents.performance import purchases_by_agent  # noqa: E402
from app.clock import utcnow  # noqa: E402
from app.database import db  # noqa: E402
from bench.common import depth_sizes, emit, fresh_database, insert_closure, parse_args, sized, timed  # noqa: E402

DEPTH = 10
ROOTS = 10
BATCH = 5000
REPEATS = 15

MEMBER_COLUMNS = "a.id, a.name, a.level_id, a.status, a.upline_id"
DOWNLINE_SQL = {
    "closure": f"""
        SELECT {MEMBER_COLUMNS}, c.depth FROM agent_closure c JOIN agent a ON a.id = c.descendant_id
        WHERE c.ancestor_id = %s AND c.depth > 0 AND a.status != 'left' ORDER BY c.depth, a.id""",
    "cte": f"""
        WITH RECURSIVE down (id, depth) AS (
            SELECT id, 0 FROM agent WHERE id = %s
            UNION ALL
            SELECT a.id, down.depth + 1 FROM agent a JOIN down ON a.upline_id = down.id)
        SELECT {MEMBER_COLUMNS}, down.depth FROM down JOIN agent a ON a.id = down.id
        WHERE down.depth > 0 AND a.status != 'left' ORDER BY down.depth, a.id""",
}
COUNTS_SQL = {
    "closure": """
        SELECT c.depth, a.level_id, COUNT(*) FROM agent_closure c JOIN agent a ON a.id = c.descendant_id
        WHERE c.ancestor_id = %s AND c.depth > 0 AND a.status != 'left' GROUP BY c.depth, a.level_id""",
    "cte": """
        WITH RECURSIVE down (id, depth) AS (
            SELECT id, 0 FROM agent WHERE id = %s
            UNION ALL
            SELECT a.id, down.depth + 1 FROM agent a JOIN down ON a.upline_id = down.id)
        SELECT down.depth, a.level_id, COUNT(*) FROM down JOIN agent a ON a.id = down.id
        WHERE down.depth > 0 AND a.status != 'left' GROUP BY down.depth, a.level_id""",
}


def build_network(total, rng):
    """Bulk-insert the levels, the agents depth by depth, their closure rows and their purchases."""
    general = AgentLevel.create(name="总代理", rank=1, demote_below_purchase_fen=3_000_000)
    regional = AgentLevel.create(name="区域代理", rank=2, promote_purchase_fen=5_000_000,
                                 demote_below_purchase_fen=500_000)
    ordinary = AgentLevel.create(name="普通代理", rank=3)
    general.promote_purchase_fen = 20_000_000
    general.save()
    now = utcnow()
    rows, ranges, previous = [], [], None
    for depth, size in enumerate(depth_sizes(total, roots=ROOTS, depth=DEPTH)):
        first = len(rows) + 1
        level = general if depth == 0 else regional if depth < 3 else ordinary
        for agent_id in range(first, first + size):
            rows.append((agent_id, f"代理{agent_id}", "138%08d" % agent_id, "广东省", "深圳市",
                         rng.randint(*previous) if previous else None, level.id, "active",
                         f"B{agent_id:07d}", now - timedelta(days=rng.randint(1, 400)),
                         now - timedelta(days=200), (now + timedelta(days=rng.randint(1, 365))).date()))
        previous = (first, first + size - 1)
        ranges.append(previous)
    columns = [Agent.id, Agent.name, Agent.phone, Agent.province, Agent.city, Agent.upline, Agent.level,
               Agent.status, Agent.invite_code, Agent.joined_at, Agent.level_since, Agent.term_end]
    with db.atomic():
        for start in range(0, len(rows), BATCH):
            Agent.insert_many(rows[start:start + BATCH], fields=columns).execute()
        insert_closure(db, ranges)
    purchases = [(order_id, agent_id, rng.choice((5_000, 50_000, 500_000, 1_500_000, 3_000_000)),
                  now - timedelta(days=rng.randint(0, 120)))
                 for order_id, agent_id in enumerate((a for a in range(1, total + 1) for _ in range(3)), start=1)]
    with db.atomic():
        for start in range(0, len(purchases), BATCH):
            AgentPurchase.insert_many(purchases[start:start + BATCH], fields=[
                AgentPurchase.order_id, AgentPurchase.agent, AgentPurchase.amount_fen, AgentPurchase.at]).execute()
    return ranges


def team_near(target, ranges):
    """The agent (in the upper levels) whose current team is nearest `target` members."""
    candidates = range(1, ranges[2][1] + 1)
    sizes = dict(db.execute_sql(
        "SELECT ancestor_id, COUNT(*) - 1 FROM agent_closure WHERE ancestor_id <= %s GROUP BY ancestor_id",
        (candidates[-1],)).fetchall())
    return min(sizes, key=lambda agent_id: abs(sizes[agent_id] - target)), sizes


def whole_downline(kind, root):
    """Every current member with its depth, and the counts by depth and by level, in one query."""
    rows = db.execute_sql(DOWNLINE_SQL[kind], (root,)).fetchall()
    by_depth, by_level = {}, {}
    for row in rows:
        by_depth[row[5]] = by_depth.get(row[5], 0) + 1
        by_level[row[2]] = by_level.get(row[2], 0) + 1
    return rows, by_depth, by_level


def counts_only(kind, root):
    """The counts by depth and level alone, aggregated in SQL."""
    return db.execute_sql(COUNTS_SQL[kind], (root,)).fetchall()


def floor_rows(count):
    """The floor: `count` agent rows by primary-key range, the same columns, into Python."""
    return db.execute_sql("SELECT id, name, level_id, status, upline_id, 0 FROM agent WHERE id BETWEEN 1 AND %s",
                          (count,)).fetchall()


def main():
    options = parse_args(__doc__, database="weishang_bench_agents", quick="10,000 agents instead of 100,000")
    with fresh_database(options.url):
        run(options)


def run(options):
    total, target = sized(options, (1_000, 100), (10_000, 1_000), (100_000, 10_000))
    repeats = sized(options, 2, REPEATS, REPEATS)
    create_app({"DATABASE_URL": options.url, "ENV": "bench"})
    db.connect(reuse_if_open=True)
    migrate.upgrade()
    rng = random.Random(7)

    started = time.perf_counter()
    ranges = build_network(total, rng)
    build_s = time.perf_counter() - started
    closure_rows = db.execute_sql("SELECT COUNT(*) FROM agent_closure").fetchone()[0]
    root, sizes = team_near(target, ranges)
    team_size = sizes[root]
    closure_rows_, closure_depths, _ = whole_downline("closure", root)
    cte_rows, cte_depths, _ = whole_downline("cte", root)
    assert len(closure_rows_) == len(cte_rows) == team_size and closure_depths == cte_depths
    assert sorted(counts_only("closure", root)) == sorted(counts_only("cte", root))

    downline_ms = {kind: timed(lambda kind=kind: whole_downline(kind, root), repeats) for kind in DOWNLINE_SQL}
    counts_ms = {kind: timed(lambda kind=kind: counts_only(kind, root), repeats) for kind in COUNTS_SQL}
    app_ms = timed(lambda: agents.team(agent_id=root, per_page=20), repeats)
    floor_ms = timed(lambda: floor_rows(team_size), repeats)

    since = utcnow() - timedelta(days=90)
    floor_review_ms = timed(lambda: purchases_by_agent(since=since, until=utcnow()), repeats=3)
    started = time.perf_counter()
    summary = agents.review_levels()
    review_s = time.perf_counter() - started

    winner = min(downline_ms, key=lambda kind: downline_ms[kind][0])
    figures = {
        "agents": total, "depth": DEPTH, "closure_rows": closure_rows, "build_s": round(build_s, 1),
        "team_root": root, "team_members": team_size,
        "downline_closure_ms": downline_ms["closure"][0], "downline_closure_worst_ms": downline_ms["closure"][1],
        "downline_cte_ms": downline_ms["cte"][0], "downline_cte_worst_ms": downline_ms["cte"][1],
        "counts_closure_ms": counts_ms["closure"][0], "counts_cte_ms": counts_ms["cte"][0],
        "downline_floor_ms": floor_ms[0], "app_team_view_ms": app_ms[0], "downline_winner": winner,
        "review_s": round(review_s, 1), "review_floor_groupby_ms": floor_review_ms[0],
        **{f"review_{key}": value for key, value in summary.items()},
    }
    print(f"network        {total:>9,} agents, {DEPTH} levels deep, {closure_rows:,} closure rows, "
          f"built in {build_s:.1f} s")
    print(f"team of agent {root}: {team_size:,} members (direct and indirect)")
    print(f"median / worst of {repeats} runs, ms      whole downline + counts    counts only (SQL)")
    for kind, label in (("closure", "closure table"), ("cte", "recursive CTE")):
        print(f"  {label:<16} {downline_ms[kind][0]:>14} / {downline_ms[kind][1]:<10} {counts_ms[kind][0]:>12} / "
              f"{counts_ms[kind][1]}")
    print(f"  floor: {team_size:,} agent rows by primary-key range: {floor_ms[0]} ms")
    print(f"  the app's team view (counts + first page of 20 members): {app_ms[0]} ms")
    print(f"  winner (whole downline): {winner}")
    print(f"full review of {total:,} agents: {review_s:.1f} s "
          f"(proposed {summary['proposed']:,}, applied {summary['applied']:,}, waiting {summary['waiting']:,}); "
          f"floor, the 90-day purchases GROUP BY: {floor_review_ms[0]} ms")
    emit(figures)
    db.close()


if __name__ == "__main__":
    main()
