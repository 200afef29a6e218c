"""The application factory: settings, database, doors, error handlers, commands."""
import logging

from flask import Flask, g, jsonify
from flask_smorest import Api
from peewee import InterfaceError, OperationalError
from playhouse.pool import MaxConnectionsExceeded

from app import reference
from app.brand import service as brand
from app.config import DEV_SECRET_KEY, Settings, configure
from app.database import close_unless_in_transaction, data_age, db, init_database, init_replica, reset_data_age
from app.http import (RowIdConverter, error_response, register_error_handlers, serve_only_this_machine,
                      trust_proxies)
from app.logs import redact_logger
from app.ratelimit import init_limiter
from app.schemas import ErrorBodySchema
from app.tasks.jobs import start_worker_thread

API_SPEC = {
    "API_TITLE": "weishang",
    "API_VERSION": "1",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": "/api",
    "OPENAPI_JSON_PATH": "openapi.json",
}


def create_app(overrides=None):
    """Build the Flask app; `overrides` replace settings read from the environment."""
    settings = configure(Settings.from_env(overrides))
    app = Flask(__name__, instance_relative_config=False)
    app.config.update(SECRET_KEY=settings.SECRET_KEY, MAX_CONTENT_LENGTH=settings.MAX_BODY_BYTES,
                      JSON_AS_ASCII=False, WEISHANG=settings, **API_SPEC)
    app.json.ensure_ascii = False
    trust_proxies(app, settings.TRUSTED_PROXIES)
    if settings.SECRET_KEY == DEV_SECRET_KEY:
        serve_only_this_machine(app)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    redact_logger("werkzeug")
    register_database(app, settings)
    init_limiter(app, settings)
    register_blueprints(app)
    # Every page (console, scan page, tracking) shows the brand as its owner set it.
    app.jinja_env.globals["brand"] = brand.current
    register_error_handlers(app)
    app.after_request(no_sniffing)
    register_commands(app)
    if settings.TASK_WORKER_THREAD:
        start_worker_thread()
    if settings.SCHEDULER_IN_PROCESS:
        from app.jobs.scheduler import start_in_process

        start_in_process(settings)
    return app


def no_sniffing(response):
    """Every answer is read as the type it declares: a browser never guesses a download into a page."""
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def register_database(app, settings):
    """Bind the database and give each request a connection, returned on teardown, and one reading of the
    reference data's versions (app/reference.py)."""
    init_database(settings.DATABASE_URL, max_connections=settings.DB_MAX_CONNECTIONS,
                  tls_ca=settings.DATABASE_TLS_CA)
    init_replica(settings.DATABASE_REPLICA_URL, max_lag_seconds=settings.REPLICA_MAX_LAG_SECONDS,
                 max_connections=settings.DB_MAX_CONNECTIONS, tls_ca=settings.DATABASE_TLS_CA)

    @app.before_request
    def connect():
        reset_data_age()
        db.connect(reuse_if_open=True)
        g.reference_scope = reference.open_scope()

    @app.after_request
    def say_data_age(response):
        """A report read from a lagging replica says how old its data is (whole seconds)."""
        age = data_age()
        if age is not None:
            response.headers["X-Data-Age"] = str(int(age))
        return response

    app.jinja_env.globals["data_age"] = data_age

    @app.teardown_request
    def release(_exc):
        if "reference_scope" in g:
            reference.close_scope(g.pop("reference_scope"))
        close_unless_in_transaction()

    def database_down(exc):
        logging.getLogger(__name__).warning("database error: %s", exc)
        return error_response(503, "database_unavailable", "数据库暂时不可用，请稍后再试", retry_after=5)

    app.register_error_handler(OperationalError, database_down)
    app.register_error_handler(InterfaceError, database_down)
    app.register_error_handler(MaxConnectionsExceeded, database_down)


class DocumentedApi(Api):
    """flask-smorest's Api, documenting the one error shape as every operation's default answer."""

    ERROR_SCHEMA = ErrorBodySchema


def register_blueprints(app):
    """Mount the three doors, the console's pages and the health check."""
    import bot
    import consumer
    import miniprogram_api
    from consumer import verification as consumer_verification
    from consumer import media as consumer_media
    from consumer import tracking as consumer_tracking
    from app import admin
    from app.admin import pages

    app.url_map.converters["id"] = RowIdConverter
    api = DocumentedApi(app, spec_kwargs={"components": {"securitySchemes": {
        "bearer": {"type": "http", "scheme": "bearer"}}}})
    for blueprint in miniprogram_api.BLUEPRINTS + admin.BLUEPRINTS:
        api.register_blueprint(blueprint)
    app.register_blueprint(bot.blp)
    app.register_blueprint(consumer.blp)
    app.register_blueprint(consumer_media.blp)
    app.register_blueprint(consumer_tracking.blp)
    app.register_blueprint(consumer_tracking.push_blp)
    app.register_blueprint(consumer_verification.blp)
    for blueprint in pages.PAGE_BLUEPRINTS:
        app.register_blueprint(blueprint)

    @app.get("/healthz")
    def healthz():
        try:
            db.execute_sql("SELECT 1")
        except (OperationalError, InterfaceError):
            return jsonify(status="degraded", database="unreachable"), 503
        return jsonify(status="ok", database="ok")


def register_commands(app):
    """The `flask` CLI: db, users, seed."""
    from app.cli import COMMAND_GROUPS

    for group in COMMAND_GROUPS:
        app.cli.add_command(group)
