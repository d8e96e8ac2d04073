"""Settings, read once from ``ACTIVEREACH_*`` environment variables and validated at start."""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ACTIVEREACH_", extra="ignore")

    database_url: str = ""
    # Where the default SQLite file, the generated secret key and other local state live.
    var_dir: Path = Path("var")
    secret_key: str = ""
    bill_domain: str = "localhost:8000"
    public_scheme: str = "http"
    # The request body cap applies before parsing, so a huge body never reaches the JSON parser.
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    # The console's catalog CSV upload alone may be larger (spooled to a temporary file as it
    # streams in, never held whole in memory by the guard); the JSON API keeps the cap above.
    catalog_upload_max_bytes: int = Field(default=20 * 1_048_576, ge=1024)
    max_json_depth: int = Field(default=32, ge=4, le=512)
    worker_mode: str = "inprocess"
    worker_concurrency: int = Field(default=4, ge=1, le=64)
    worker_poll_seconds: float = Field(default=0.5, gt=0)
    job_lease_seconds: int = Field(default=120, ge=5)
    # Behind PgBouncer in transaction mode server-side prepared statements must be off.
    pgbouncer: bool = False
    # Seconds a verified credential is remembered per process (revocation is seen within this).
    auth_cache_seconds: float = Field(default=2.0, ge=0, le=60)
    # Rate limits (``limits`` syntax, e.g. "6000/minute" or "20/second;6000/minute"), counted in
    # ``rate_limit_storage`` (per process by default: with N API processes the effective limit
    # is N times this). A till sends a few requests a minute and a backfill a few hundred a
    # second; a person's browser a few a second. See docs/operations.md "Rate limits".
    rate_limit_enabled: bool = True
    rate_limit_credential: str = "500/second;18000/minute"  # per API key, write key, device token
    rate_limit_address: str = "30/second;900/minute"  # per address, requests without a credential
    rate_limit_webhook: str = "500/second;20000/minute"  # per address, provider webhook deliveries
    # Trust at the server (issue 18; docs/operations.md "Security model").
    # Outbound calls go to each provider's documented hosts; this comma-separated list
    # ("host", "host:port", "*.example.com") adds hosts the operator allows, e.g. a sandbox or
    # the loopback servers tests run. Private, loopback and link-local addresses are refused
    # unless listed here explicitly.
    outbound_allow_hosts: str = ""
    # Proxies (comma-separated IPs or CIDRs) whose X-Forwarded-For / X-Forwarded-Proto are
    # believed. None by default: a client address is the socket's peer.
    trusted_proxies: str = ""
    # Where rate-limit counters live: "memory://" counts per process; "redis://host:6379" shares
    # them across API processes (``limits`` storage URI).
    rate_limit_storage: str = "memory://"
    # Password and PIN hashing runs in threads, at most this many at once (one leaves the other
    # cores to the event loop; raise it on a bigger machine with many people signing in).
    hash_concurrency: int = Field(default=1, ge=1, le=64)
    # Failed sign-ins (console password, staff PIN, pairing code) per account and address before a
    # lockout, and the lockout's first length (doubling on each further lockout, capped at 1 h).
    login_max_failures: int = Field(default=5, ge=1, le=1000)
    login_lockout_seconds: int = Field(default=60, ge=1, le=86_400)
    # A failed or refused sign-in is answered after this pause: it costs the server nothing (an
    # idle coroutine) and holds a flood to one attempt per connection per pause.
    login_failure_delay_seconds: float = Field(default=1.0, ge=0, le=10)
    # Console sessions: ended after this long without a request, and this long after sign-in.
    session_idle_minutes: int = Field(default=12 * 60, ge=1)
    session_absolute_hours: int = Field(default=7 * 24, ge=1)
    # Webhooks: a signed timestamp older (or newer) than this is refused; a rejected delivery
    # keeps at most this many bytes of its body.
    webhook_freshness_seconds: int = Field(default=300, ge=1)
    rejected_body_prefix_bytes: int = Field(default=1024, ge=0, le=65_536)
    rate_limit_rejected_webhook: str = "60/minute"  # per pipe, deliveries that fail verification
    # Message templates: a render stops after this long or this much output.
    template_render_seconds: float = Field(default=1.0, gt=0, le=30)
    template_max_output_bytes: int = Field(default=65_536, ge=1024)
    # Order times outside [now - past days, now + future minutes] are refused as implausible.
    occurred_at_max_past_days: int = Field(default=3 * 366, ge=1)
    occurred_at_max_future_minutes: int = Field(default=24 * 60, ge=0)
    log_level: str = "info"
    log_json: bool = False

    @field_validator("worker_mode")
    @classmethod
    def _worker_mode(cls, value: str) -> str:
        if value not in {"inprocess", "external", "off"}:
            raise ValueError("worker_mode must be inprocess, external or off")
        return value

    @field_validator("rate_limit_credential", "rate_limit_address", "rate_limit_webhook",
                     "rate_limit_rejected_webhook")
    @classmethod
    def _rate_limit(cls, value: str) -> str:
        from limits import parse_many  # local: only needed to validate at start

        try:
            parse_many(value)
        except ValueError as exc:
            raise ValueError(f"not a rate limit such as '6000/minute': {value!r}") from exc
        return value

    def resolved_database_url(self) -> str:
        if self.database_url:
            url = self.database_url
            if url.startswith("postgresql://") or url.startswith("postgres://"):
                url = "postgresql+psycopg://" + url.split("://", 1)[1]
            if url.startswith("sqlite:///"):
                url = "sqlite+aiosqlite:///" + url.removeprefix("sqlite:///")
            return url
        path = (self.var_dir / "activereach.db").resolve()
        return f"sqlite+aiosqlite:///{path}"

    def resolved_secret_key(self) -> str:
        """The configured secret, else one generated once and kept under ``var/``."""
        if self.secret_key:
            return self.secret_key
        key_file = self.var_dir / "secret.key"
        if key_file.exists():
            return key_file.read_text().strip()
        self.var_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        key_file.write_text(key)
        key_file.chmod(0o600)
        return key


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
