"""Settings, read once from the environment into a frozen object."""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass, field, replace
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class ConfigError(RuntimeError):
    """A setting the app cannot start without is missing or wrong."""


@dataclass(frozen=True)
class Settings:
    """Everything the app reads from its environment."""

    database_url: str
    secret_key: str
    #: Key of the HMAC that turns an access code into what the database stores.
    #: Changing it makes every issued code stop working, so it is kept apart
    #: from the session key, which may be rotated freely.
    code_hash_key: str
    production: bool = False
    instruments_dir: Path = PROJECT_ROOT / "instruments"
    studies_dir: Path = PROJECT_ROOT / "studies"
    ratelimit_storage_uri: str = "memory://"
    #: How many reverse proxies sit in front of the app and set X-Forwarded-For.
    trusted_proxies: int = 0
    #: Flask-WTF's CSRF token lifetime on survey pages, in seconds; slow readers
    #: whose token expired get the page back with their choices still ticked.
    csrf_time_limit: int = 3600
    #: The wave staff screens show, as ``study/wave``.
    current_wave: str = "demo/baseline"
    #: Where staff reach the app, for links in emails.
    public_url: str = "http://127.0.0.1:5000"
    #: SMTP server for safeguarding emails; without one, emails wait queued.
    mail_server: str | None = None
    mail_port: int = 25
    mail_use_tls: bool = False
    mail_username: str | None = None
    mail_password: str | None = None
    mail_default_sender: str = "survey@localhost"
    extra: dict[str, object] = field(default_factory=dict)

    def flask_config(self) -> dict[str, object]:
        """Return the Flask config keys derived from these settings."""
        return {
            "SECRET_KEY": self.secret_key,
            "SESSION_COOKIE_HTTPONLY": True,
            "SESSION_COOKIE_SAMESITE": "Lax",
            # Plain http is allowed only on the developer's own machine.
            "SESSION_COOKIE_SECURE": self.production,
            "WTF_CSRF_TIME_LIMIT": self.csrf_time_limit,
            # The longest legitimate form is one questionnaire page.
            "MAX_CONTENT_LENGTH": 64 * 1024,
            "MAX_FORM_MEMORY_SIZE": 64 * 1024,
            "RATELIMIT_STORAGE_URI": self.ratelimit_storage_uri,
            "RATELIMIT_HEADERS_ENABLED": True,
            "BABEL_DEFAULT_LOCALE": "en_GB",
            "BABEL_DEFAULT_TIMEZONE": "Europe/London",
            **self.extra,
        }

    def with_overrides(self, **changes: object) -> Settings:
        """Return a copy with some settings changed (used by tests and the CLI)."""
        return replace(self, **changes)  # type: ignore[arg-type]


def default_instance_dir() -> Path:
    """Return the folder that holds the embedded database and its keys."""
    return Path(os.environ.get("SURVEY_APP_INSTANCE", PROJECT_ROOT / "instance"))


def _local_keys(instance_dir: Path) -> dict[str, str]:
    """Return the keys of a development install, creating them on first use.

    The access-code key must survive restarts, or every printed slip would stop
    working, so it is written next to the embedded database.
    """
    path = instance_dir / "keys.json"
    if path.exists():
        return json.loads(path.read_text(encoding="utf-8"))
    instance_dir.mkdir(parents=True, exist_ok=True)
    keys = {"secret_key": secrets.token_hex(32), "code_hash_key": secrets.token_hex(32)}
    path.write_text(json.dumps(keys), encoding="utf-8")
    path.chmod(0o600)
    return keys


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    """Build settings from the environment.

    In production (``SURVEY_APP_ENV=production``) the secret keys and the
    database URL must be given; elsewhere they default to a local SQLite file
    and keys kept beside it.
    """
    env = os.environ if environ is None else environ
    production = env.get("SURVEY_APP_ENV", "development") == "production"

    if production:
        missing = [
            name
            for name in ("SECRET_KEY", "CODE_HASH_KEY", "DATABASE_URL")
            if not env.get(name)
        ]
        if missing:
            raise ConfigError(
                "Production needs these settings in the environment: "
                + ", ".join(missing)
            )
        keys = {"secret_key": env["SECRET_KEY"], "code_hash_key": env["CODE_HASH_KEY"]}
        database_url = env["DATABASE_URL"]
    else:
        instance_dir = default_instance_dir()
        keys = _local_keys(instance_dir)
        keys["secret_key"] = env.get("SECRET_KEY", keys["secret_key"])
        keys["code_hash_key"] = env.get("CODE_HASH_KEY", keys["code_hash_key"])
        database_url = env.get(
            "DATABASE_URL", f"sqlite:///{instance_dir / 'survey_app.sqlite3'}"
        )

    return Settings(
        database_url=normalise_database_url(database_url),
        secret_key=keys["secret_key"],
        code_hash_key=keys["code_hash_key"],
        production=production,
        ratelimit_storage_uri=env.get("RATELIMIT_STORAGE_URI", "memory://"),
        trusted_proxies=int(env.get("TRUSTED_PROXIES", "0")),
        current_wave=env.get("CURRENT_WAVE", "demo/baseline"),
        public_url=env.get("PUBLIC_URL", "http://127.0.0.1:5000"),
        mail_server=env.get("MAIL_SERVER") or None,
        mail_port=int(env.get("MAIL_PORT", "25")),
        mail_use_tls=env.get("MAIL_USE_TLS", "").lower() in ("1", "true", "yes"),
        mail_username=env.get("MAIL_USERNAME") or None,
        mail_password=env.get("MAIL_PASSWORD") or None,
        mail_default_sender=env.get("MAIL_DEFAULT_SENDER", "survey@localhost"),
    )


def normalise_database_url(url: str) -> str:
    """Point plain ``postgresql://`` URLs at the psycopg 3 driver we install."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url
