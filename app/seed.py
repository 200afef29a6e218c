"""A demo brand for `make run`: created once, left alone after that."""
from app.accounts import service as accounts
from app.accounts.models import AdminUser
from app.inventory.demo import seed_demo_stock

DEMO_OWNER = "owner"


def seed_demo(*, password):
    """Create the demo brand unless it exists; yields lines to show the person running it."""
    if AdminUser.select().where(AdminUser.username == DEMO_OWNER).exists():
        yield f"demo brand already seeded (owner account: {DEMO_OWNER})"
        return
    accounts.create_admin_user(username=DEMO_OWNER, password=password, role="owner", display_name="品牌方")
    yield f"demo owner account created: username={DEMO_OWNER} password={password}"
    yield from seed_demo_stock()
