"""The `flask users create` and `flask seed` commands."""
from app.accounts.models import AdminUser


def test_users_create_makes_an_owner(app):
    result = app.test_cli_runner().invoke(
        args=["users", "create", "--username", "founder", "--password", "first-pass-1", "--role", "owner"])
    assert result.exit_code == 0, result.output
    assert AdminUser.get(AdminUser.username == "founder").role == "owner"


def test_users_create_refuses_a_taken_username(app):
    args = ["users", "create", "--username", "twice", "--password", "first-pass-1", "--role", "staff"]
    app.test_cli_runner().invoke(args=args)
    result = app.test_cli_runner().invoke(args=args)
    assert result.exit_code != 0
    assert "用户名已存在" in result.output


def test_seed_prints_the_owner_once(app):
    first = app.test_cli_runner().invoke(args=["seed"])
    assert "password=" in first.output
    second = app.test_cli_runner().invoke(args=["seed"])
    assert "already seeded" in second.output
