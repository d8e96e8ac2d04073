"""What a provider declares about itself besides its code: its settings and its sample order.

Each provider file sets ``label``, ``settings`` (``Setting`` rows: its own, then the API and
pipe settings below that every provider takes), ``signing_secret`` and ``sample``.  The pipes
service validates a pipe's settings from them (``pipes/pipe_settings.py``), the console draws
its pipe forms from them (``console/pipes.py``) and the API documents them
(``GET /v1/pipes/providers`` and the pipe-create body in the OpenAPI schema, via ``describe``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from activereach.pipes.providers.base import Provider

# How a setting's value is checked (pipes/pipe_settings.py) and entered (the console):
#   text          a non-empty string (secrets, tokens)
#   api_url       the provider's API, called with the pipe's token: one of its ``hosts``
#   url           an http(s) URL that is only signed over, never called
#   currency      an ISO 4217 code
#   minutes       a whole number of minutes, 0 to MAX_MINUTES
#   choice        one of ``choices``
#   location_map  {provider location / register / merchant id: outlet code or id}
#   outlet        one outlet's code or id
SettingType = Literal["text", "api_url", "url", "currency", "minutes", "choice", "location_map",
                      "outlet"]
MAX_MINUTES = 10080   # a week
# What the console fills in for a field left blank: "webhook_url", the pipe's own webhook URL
# (known only once the pipe id is minted); "new_secret", a fresh secret shown once.
BlankDefault = Literal["webhook_url", "new_secret"]


@dataclass(frozen=True)
class Setting:
    """One key of a pipe's ``settings`` object."""

    name: str
    type: SettingType
    label: str                    # the console's field label
    help: str                     # the console's hint; the API's description
    example: Any                  # a value of the right shape (the console's placeholder)
    required: bool = False        # must be given when the pipe is created
    secret: bool = False          # stored encrypted, never returned or shown again
    choices: tuple[str, ...] = ()
    blank_default: BlankDefault | None = None


@dataclass(frozen=True)
class SampleOrder:
    """The provider's documented payload behind "test with a sample order", a file in
    ``activereach/pipes/samples/`` (see ``samples.sample``)."""

    file: str
    # "webhook": a delivery body; "order": the order document the provider's API returns (a
    # provider whose webhooks carry only ids, so testing the mapping needs no API call).
    kind: Literal["webhook", "order"] = "webhook"
    # "shift": the provider's own dated payload, every time in it moved by whole days to today;
    # "now": our own schema's sample, its ``occurred_at`` stamped a few minutes ago.
    dating: Literal["shift", "now"] = "shift"
    # The body's leading field carrying the signed send time, restamped to now in this format:
    # a signature over an hours-old time is refused as stale (Toast's ``timestamp``).
    sent_at: str | None = None
    sent_at_format: str = "%Y-%m-%dT%H:%M:%S.000+0000"
    # For an "order" sample: a documented delivery about this same order (ids only), to show
    # the order arrives the way the provider sends it (tests/pipes/test_provider_invariants.py).
    delivery: str | None = None


API_BASE_URL = Setting(
    "api_base_url", "api_url", "API base URL",
    help="where the order API lives: one of the provider's documented hosts (or the "
         "operator's outbound_allow_hosts)", example="https://api.example.com")
ACCESS_TOKEN = Setting(
    "access_token", "text", "Access token", help="API token used to fetch orders / reconcile",
    example="api-token-…", secret=True)
PIPE_SETTINGS = (
    Setting("location_map", "location_map", "Location map",
            help="provider location / register / merchant id = outlet code; deliveries from "
                 "unmapped ids are held until you map them",
            example={"L8W7XYZ": "blr-indiranagar"}),
    Setting("default_location", "outlet", "Default outlet",
            help="the outlet for deliveries from ids not in the location map; none = held",
            example="blr-indiranagar"),
    Setting("currency", "currency", "Currency",
            help="for payloads without one; blank = the brand's", example="INR"),
    Setting("rotation_overlap_minutes", "minutes", "Rotation overlap minutes",
            help="how long the previous signing secret stays valid after a rotation "
                 "(default 60)", example=60),
    Setting("reconcile_minutes", "minutes", "Reconcile minutes",
            help="poll the provider for missed orders every N minutes (0 = never)", example=15),
)


def api_settings(example_url: str, *, required: bool = False) -> tuple[Setting, Setting]:
    """``api_base_url`` and ``access_token`` with this provider's API host as the example;
    ``required`` for a provider that fetches every order."""
    return (replace(API_BASE_URL, example=example_url, required=required),
            replace(ACCESS_TOKEN, required=required))


def example_settings(provider: Provider) -> dict[str, Any]:
    """The smallest settings a pipe of this provider can be created with."""
    return {s.name: s.example for s in provider.settings if s.required}


def describe(provider: Provider) -> dict[str, Any]:
    """The provider as ``GET /v1/pipes/providers`` lists it (``schemas.ProviderOut``)."""
    return {
        "provider": provider.name, "label": provider.label,
        "signing_secret": provider.signing_secret, "secrets": list(provider.secret_names),
        "settings": sorted(s.name for s in provider.settings),
        "required": [s.name for s in provider.settings if s.required],
        "settings_spec": [_setting_out(s) for s in provider.settings],
        "example_settings": example_settings(provider), "hosts": list(provider.hosts),
        "needs_fetch": provider.needs_fetch, "content_type": provider.content_type,
        "sample_kind": provider.sample.kind,
    }


def _setting_out(setting: Setting) -> dict[str, Any]:
    return {"name": setting.name, "type": setting.type, "label": setting.label,
            "help": setting.help, "example": setting.example, "required": setting.required,
            "secret": setting.secret, "choices": list(setting.choices),
            "blank_default": setting.blank_default}


def settings_summary(providers: list[Provider]) -> str:
    """One line per provider naming its settings (``*`` required), for the OpenAPI schema."""
    lines = [f"- `{p.name}`: " + ", ".join(f"{s.name}{'*' if s.required else ''}"
                                           for s in p.settings) for p in providers]
    return ("The provider's settings (`*`: required on create; secrets are stored encrypted "
            "and never returned). Types, help and examples: `GET /v1/pipes/providers`.\n\n"
            + "\n".join(lines))
