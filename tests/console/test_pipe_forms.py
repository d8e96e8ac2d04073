"""The console's pipe forms are drawn from each provider's declared settings: every setting has
its input with the provider's label, help and example, required ones are marked unless the
console fills them in, and the service's error for a setting lands at that setting's input."""

from __future__ import annotations

import re

import pytest
from markupsafe import escape

from activereach.pipes.providers import PROVIDERS, get_provider
from tests.conftest import add_location
from tests.console.conftest import sign_in


def _input(page: str, name: str) -> str:
    """The opening tag of the form control named ``name``."""
    match = re.search(rf'<(input|select|textarea) id="f-{name}"[^>]*>', page)
    assert match, f"no input for {name}"
    return match.group(0)


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_the_new_pipe_form_draws_every_declared_setting(client, tenant, console_user,
                                                              provider: str) -> None:
    await sign_in(client, await console_user(tenant.slug))
    page = (await client.get(f"/dashboard/{tenant.slug}/settings/pipes/new",
                             params={"provider": provider})).text
    adapter = get_provider(provider)
    assert f"<h2>{adapter.label}</h2>" in page
    for setting in adapter.settings:
        control = _input(page, setting.name)
        assert f'<label for="f-{setting.name}">' in page
        label = re.search(rf'<label for="f-{setting.name}">([^<]*)</label>', page)
        assert label and label.group(1).startswith(escape(setting.label))
        typed = setting.required and setting.blank_default is None
        assert label.group(1).endswith(" *") == typed, setting.name
        assert escape(setting.help) in page, setting.name
        if setting.secret:
            assert 'type="password"' in control and "placeholder" not in control
        elif control.startswith("<input"):
            assert f'placeholder="e.g. {escape(str(setting.example))}"' in control


async def test_a_setting_error_lands_at_its_input(client, tenant, console_user) -> None:
    await add_location(client, tenant, "cl-1")
    token = await sign_in(client, await console_user(tenant.slug))
    page = await client.post(f"/dashboard/{tenant.slug}/settings/pipes", data={
        "csrf_token": token, "provider": "clover", "name": "Clover", "auth_code": "code",
        "api_base_url": "https://api.clover.com", "reconcile_minutes": "99999",
        "location_map": "XYZ = cl-1"})
    assert page.status_code == 422
    # The service's message, under the Reconcile minutes input (not only at the form's top).
    assert ('<div class="errors">Reconcile minutes: settings.reconcile_minutes: must be an '
            "integer of minutes (0–10080)</div>") in page.text
    assert '<div class="errors">Access token *: Enter the access token</div>' in page.text
