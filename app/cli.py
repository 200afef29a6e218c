"""The `flask` commands: `db upgrade|status|downgrade`, `users create|set-password`, `config docs`, `seed`, `jobs`, `scheduler`, and each domain's group."""
import os
import secrets

import click
from flask.cli import AppGroup

from app import migrate
from app.accounts import service as accounts
from app import config_docs
from app.agents.cli import agents_cli
from app.authorization.cli import certificates_cli
from app.config import new_secret
from app.errors import DomainError
from app.finance.cli import finance_cli, pay_cli
from app.inventory.cli import stock_cli
from app.jobs.cli import jobs_cli, scheduler

db_cli = AppGroup("db", help="Database schema migrations.")
users_cli = AppGroup("users", help="Console accounts.")
secret_cli = AppGroup("secret", help="Signing keys.")
config_cli = AppGroup("config", help="The settings.")


@db_cli.command("upgrade")
def db_upgrade():
    """Apply every pending migration."""
    applied = migrate.upgrade()
    click.echo("applied: " + ", ".join(applied) if applied else "database is up to date")


@db_cli.command("status")
def db_status():
    """List migrations, applied and pending."""
    for migration in migrate.status():
        state = f"applied {migration.applied:%Y-%m-%d %H:%M}" if migration.applied else "pending"
        click.echo(f"{migration.name:40} {state}")


@db_cli.command("downgrade")
@click.option("--target", default=None, help="Revert back through this migration (default: the last one).")
def db_downgrade(target):
    """Revert the last migration (or back through --target)."""
    reverted = migrate.runner().down(target)
    click.echo("reverted: " + ", ".join(reverted))


@users_cli.command("create")
@click.option("--username", required=True)
@click.option("--password", default=None, help="Omit to be prompted.")
@click.option("--role", required=True, type=click.Choice(["owner", "staff", "finance", "warehouse"]))
def users_create(username, password, role):
    """Create a console account."""
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = accounts.create_admin_user(username=username, password=password, role=role)
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"created {user.role} {user.username} (id {user.id})")


def forget_demo_account(username):
    """The demo owner's noted first password is no longer its password: `make run` stops showing it."""
    from app.seed import DEMO_ACCOUNT_FILE, DEMO_OWNER

    if username == DEMO_OWNER and os.path.exists(DEMO_ACCOUNT_FILE):
        os.remove(DEMO_ACCOUNT_FILE)


@users_cli.command("set-password")
@click.argument("username")
@click.option("--password", default=None, help="Omit to be prompted.")
def users_set_password(username, password):
    """Set a console account's password (its sessions end; its failed sign-ins are forgotten)."""
    if password is None:
        password = click.prompt("New password", hide_input=True, confirmation_prompt=True)
    try:
        user = accounts.set_admin_password(username=username, password=password)
    except DomainError as exc:
        raise click.ClickException(next(iter(exc.fields.values()), exc.message) if exc.fields else exc.message) from exc
    forget_demo_account(user.username)
    click.echo(f"password set for {user.role} {user.username}; its sessions have ended")


@secret_cli.command("new")
def secret_new():
    """Print a random key for SECRET_KEY (production refuses short, regular or placeholder keys)."""
    click.echo(new_secret())


@config_cli.command("docs")
@click.option("--check", is_flag=True, help="Fail when the page is stale instead of writing it.")
def config_docs_command(check):
    """Write docs/configuration.md from the settings (or, with --check, fail when it is stale)."""
    missing = config_docs.undocumented()
    if missing:
        raise click.ClickException("settings without a meaning in app/config_docs.py: " + ", ".join(missing))
    text = config_docs.page()
    if check:
        with open(config_docs.PAGE, encoding="utf-8") as current:
            if current.read() != text:
                raise click.ClickException(f"{config_docs.PAGE} is stale: run `flask config docs`")
        return
    with open(config_docs.PAGE, "w", encoding="utf-8") as page:
        page.write(text)
    click.echo(f"wrote {config_docs.PAGE}")


@click.command("seed")
def seed():
    """Seed a demo brand once: an owner account and demo data."""
    from app.config import get_settings
    from app.seed import demo_account, remember_demo_account, seed_demo

    password, first_time = secrets.token_urlsafe(9), demo_account() is None
    for line in seed_demo(password=password):
        click.echo(line)
    if first_time and get_settings().ENV == "development":
        remember_demo_account(password)


COMMAND_GROUPS = [db_cli, users_cli, secret_cli, config_cli, seed, jobs_cli, scheduler, agents_cli, stock_cli, finance_cli,
                  certificates_cli, pay_cli]
