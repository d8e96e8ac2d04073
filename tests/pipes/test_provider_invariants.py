"""Every registered provider describes itself completely and truthfully (the way every table is
checked for ``workspace_id``): a label, a signing secret that is one of its secret settings,
help for every required setting, example settings that validate, API hosts when it calls out,
and a sample order that verifies with the provider's own signing scheme and maps to an order.

A new provider file that misses one of these fails here, naming the provider and the gap.
"""

from __future__ import annotations

from importlib import resources

import pytest

from activereach.pipes import ingest
from activereach.pipes.pipe_settings import settings_errors
from activereach.pipes.providers import PROVIDERS, registered
from activereach.pipes.providers.base import Context, JsonProvider, Provider
from activereach.pipes.providers.spec import describe, example_settings
from activereach.pipes.samples import restamp, sample
from activereach.pipes.schemas import PipeIn, ProviderOut
from tests.pipes.conftest import NOTIFY_URL, signed

ADAPTERS = list(registered().values())
SECRET = "invariant-signing-secret"


def test_the_registry_names_every_provider_once() -> None:
    assert list(registered()) == list(PROVIDERS)
    assert [adapter.name for adapter in ADAPTERS] == list(PROVIDERS)


@pytest.mark.parametrize("adapter", ADAPTERS, ids=PROVIDERS)
def test_label_and_settings_are_declared(adapter: Provider) -> None:
    assert adapter.label.strip(), f"{adapter.name}: no label for the console and the API"
    names = [s.name for s in adapter.settings]
    assert len(names) == len(set(names)), f"{adapter.name}: a setting is declared twice: {names}"
    unlabelled = [s.name for s in adapter.settings if not s.label.strip()]
    assert unlabelled == [], f"{adapter.name}: settings without a console label: {unlabelled}"
    helpless = [s.name for s in adapter.settings if s.required and not s.help.strip()]
    assert helpless == [], f"{adapter.name}: required settings without help text: {helpless}"
    unchoosable = [s.name for s in adapter.settings if (s.type == "choice") != bool(s.choices)]
    assert unchoosable == [], f"{adapter.name}: choices only on (every) choice setting"


@pytest.mark.parametrize("adapter", ADAPTERS, ids=PROVIDERS)
def test_signing_secret_is_a_declared_secret_setting(adapter: Provider) -> None:
    secrets = [s.name for s in adapter.settings if s.secret]
    assert adapter.signing_secret in secrets, \
        f"{adapter.name}: signing secret {adapter.signing_secret!r} is not one of {secrets}"
    assert adapter.secret_names[0] == adapter.signing_secret
    assert sorted(adapter.secret_names) == sorted(secrets)


@pytest.mark.parametrize("adapter", ADAPTERS, ids=PROVIDERS)
def test_example_settings_create_a_pipe_and_describe_it(adapter: Provider) -> None:
    examples = example_settings(adapter)
    assert adapter.signing_secret in examples, f"{adapter.name}: the signing secret is optional"
    assert settings_errors(adapter.name, examples, creating=True) == []
    described = ProviderOut.model_validate(describe(adapter))
    assert described.required == [s.name for s in adapter.settings if s.required]
    body = next(e for e in PipeIn.model_json_schema()["examples"] if e["provider"] == adapter.name)
    assert PipeIn.model_validate(body).settings == examples


@pytest.mark.parametrize("adapter", ADAPTERS, ids=PROVIDERS)
def test_a_provider_that_calls_out_documents_its_hosts(adapter: Provider) -> None:
    kind = type(adapter)
    calls_out = kind.fetch is not JsonProvider.fetch or kind.poll is not JsonProvider.poll
    if calls_out:
        assert adapter.hosts, f"{adapter.name} calls its API but documents no hosts"
    if adapter.needs_fetch:
        assert kind.fetch is not JsonProvider.fetch, f"{adapter.name} needs a fetch it lacks"
        required = {s.name for s in adapter.settings if s.required}
        assert {"api_base_url", "access_token"} <= required, \
            f"{adapter.name} fetches every order, so its API settings must be required"


def _verified_events(adapter: Provider, raw: bytes) -> list:  # type: ignore[type-arg]
    """The events of ``raw`` signed as the provider signs it, after its own verification."""
    headers = {k.lower(): v for k, v in signed(adapter.name, raw, SECRET, url=NOTIFY_URL).items()}
    verdict = adapter.verify(raw, headers, [SECRET], {"notification_url": NOTIFY_URL})
    assert verdict.ok, f"{adapter.name}: its sample does not verify: {verdict.reason}"
    assert adapter.content_type in headers["content-type"]
    return adapter.events(adapter.parse(raw), headers)


@pytest.mark.parametrize("adapter", ADAPTERS, ids=PROVIDERS)
def test_sample_order_verifies_and_maps_to_an_order(adapter: Provider) -> None:
    raw, kind, content_type = sample(adapter.name)
    assert content_type == adapter.content_type
    refs: set[str | None] = set()
    if kind == "order":
        # Webhooks that carry only ids: the documented delivery about the sample order is what
        # is signed, and it must point at that order.
        assert adapter.sample.delivery, f"{adapter.name}: an order sample without its delivery"
        delivery = resources.files("activereach.pipes.samples").joinpath(adapter.sample.delivery)
        refs = {event.ref for event in _verified_events(adapter, restamp(delivery.read_bytes()))}
        document = adapter.parse(raw)
    else:
        events = _verified_events(adapter, raw)
        assert events and events[0].document is not None, \
            f"{adapter.name}: a webhook sample must carry the order (else declare kind='order')"
        document = events[0].document
    canonical = adapter.to_canonical(document, Context(currency="USD", settings={"_mapping": {}}))
    assert canonical.state == "completed", f"{adapter.name}: {canonical.reason}"
    if kind == "order":
        assert canonical.external_id in refs, f"{adapter.name}: the delivery names {refs}"
    order = ingest.order_in(canonical)   # OrderIn validation: raises naming each bad field
    assert order.lines and order.external_id == canonical.external_id
