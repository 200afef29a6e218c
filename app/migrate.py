"""Schema migrations: numbered scripts in migrations/, run by peewee's own runner."""
import os

from playhouse.migrations import Runner
from playhouse.schema_diff import diff_models

from app.database import db
from app.models import ALL_MODELS

MIGRATIONS_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "migrations")


def runner():
    """A peewee migration Runner over migrations/ for the bound database."""
    return Runner(db.obj, directory=MIGRATIONS_DIR)


def upgrade():
    """Apply every pending migration; returns the names applied."""
    return runner().up()


def status():
    """Every migration with its applied time (None while pending)."""
    return runner().status()


def schema_drift():
    """What differs between the models and the migrated schema (empty when they agree)."""
    return diff_models(db.obj, ALL_MODELS)
