"""The application factory: configuration, extensions, blueprints, CLI. Nothing else."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flask import Flask

import cli
from core import (
    auth,
    devices,
    errors,
    i18n,
    mail,
    notices,
    permissions,
    security,
    static,
    tickets,
    unit_of_work,
)
from core.config import DEFAULTS, from_environment
from core.extensions import csrf, db, limiter


def create_app(config: dict[str, Any] | None = None) -> Flask:
    root = Path(__file__).resolve().parent
    app = Flask(
        __name__,
        instance_path=str(root / "instance"),
        template_folder=str(root / "templates"),
        static_folder=str(root / "static"),
    )
    app.config.update(DEFAULTS)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(root / "translations")
    app.config.update(from_environment(Path(app.instance_path)))
    app.config.update(config or {})
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )

    db.init_app(app)
    csrf.init_app(app)
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config["REDIS_URL"] or "memory://")
    # On unless said otherwise: Flask-Limiter would take an earlier app's choice as the default.
    app.config.setdefault("RATELIMIT_ENABLED", True)
    limiter.init_app(app)
    security.init_app(app)
    static.init_app(app)
    auth.init_app(app)
    i18n.init_app(app)
    permissions.init_app(app)
    mail.init_app(app)
    notices.init_app(app)
    devices.init_app(app)
    tickets.init_app(app)
    errors.init_app(app)
    cli.init_app(app)

    from backoffice import blueprint as backoffice
    from portal import register as register_portal

    register_portal(app)
    app.register_blueprint(backoffice)
    unit_of_work.init_app(app)  # last: its after-request step must run first
    return app
