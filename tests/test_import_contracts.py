"""The import contracts of .importlinter cover every module of the domains that have a face (issue 15)."""
import configparser
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
PUBLIC = {"__init__", "service", "schemas"}
FACE_DOMAINS = ("accounts", "agents", "authorization", "brand", "catalog", "chat", "cloud", "codes", "finance", "inventory",
                "jobs", "notify", "orders", "tasks")
MONEY_DOMAINS = ("orders", "inventory", "finance")


def contracts():
    parser = configparser.ConfigParser()
    parser.read(ROOT / ".importlinter")
    return parser


def listed(contract, option):
    return {line.strip() for line in contract.get(option, "").splitlines() if line.strip()}


def private_modules(domain):
    return {f"app.{domain}.{path.stem}" for path in (ROOT / "app" / domain).glob("*.py") if path.stem not in PUBLIC}


@pytest.mark.parametrize("domain", FACE_DOMAINS)
def test_every_private_module_of_a_domain_is_protected(domain):
    contract = contracts()[f"importlinter:contract:face-{domain}"]
    assert contract["type"] == "protected"
    assert listed(contract, "protected_modules") == private_modules(domain)
    assert listed(contract, "allowed_importers") == {f"app.{domain}"}


def test_the_money_domains_are_forbidden_every_private_module_of_the_other_domains():
    contract = contracts()["importlinter:contract:money-domains-use-faces"]
    assert listed(contract, "source_modules") == {f"app.{d}" for d in MONEY_DOMAINS}
    others = [d for d in FACE_DOMAINS if d not in MONEY_DOMAINS]
    assert listed(contract, "forbidden_modules") == set().union(*(private_modules(d) for d in others))


def test_a_door_importing_a_private_module_breaks_a_contract(tmp_path):
    """The contracts are live: a copy of the code whose console imports agents' models fails lint-imports."""
    for name in ("app", "miniprogram_api", "bot", "consumer"):
        subprocess.run(["cp", "-r", str(ROOT / name), str(tmp_path / name)], check=True)
    (tmp_path / ".importlinter").write_text((ROOT / ".importlinter").read_text())
    door = tmp_path / "app" / "admin" / "agents.py"
    door.write_text("from app.agents.models import Agent  # noqa: F401\n" + door.read_text())
    lint = pathlib.Path(sys.executable).parent / "lint-imports"
    result = subprocess.run([str(lint), "--no-cache", "--contract", "face-agents"], cwd=tmp_path,
                            capture_output=True, text=True, env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"})
    assert result.returncode == 1
    assert "app.admin.agents -> app.agents.models" in result.stdout


def test_every_status_a_face_lists_has_its_chinese_name():
    from app.accounts import service as accounts
    from app.agents import service as agents
    from app.agents.models import CHANGE_KINDS
    from app.codes import service as codes
    from app.notify import service as notify
    from app.tasks import service as tasks
    pairs = [(accounts.ADMIN_ROLES, accounts.ROLE_NAMES), (agents.AGENT_STATUSES, agents.AGENT_STATUS_NAMES),
             (set(agents.APPLICATION_STATUSES) | set(agents.PROPOSAL_STATUSES), agents.DECISION_NAMES),
             (CHANGE_KINDS, agents.CHANGE_NAMES), (codes.FLAG_STATUSES, codes.FLAG_STATUS_NAMES),
             (codes.VIOLATION_STATUSES, codes.VIOLATION_STATUS_NAMES), (notify.STATUSES, notify.STATUS_NAMES),
             (tasks.TASK_STATUSES, tasks.TASK_STATUS_NAMES)]
    for values, names in pairs:
        assert set(names) == set(values)
