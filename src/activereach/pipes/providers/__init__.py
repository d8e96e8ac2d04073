"""Provider adapters, one file each, behind the ``Provider`` protocol in ``base``; each declares
its label, settings, signing secret, hosts and sample order (``spec``)."""

from __future__ import annotations

import functools

from activereach.pipes.providers.base import Provider

# Every registered provider, in the order the console offers them.
PROVIDERS = ("square", "toast", "lightspeed_x", "clover", "shopify", "custom")


@functools.cache
def registered() -> dict[str, Provider]:
    """One (stateless) adapter per name in ``PROVIDERS``.  The modules are imported on first
    use: they import ``pipes.rules`` and ``pipes.mapping``, which import this package."""
    from activereach.pipes.providers import clover, custom, lightspeed_x, shopify, square, toast

    adapters: list[Provider] = [square.Square(), toast.Toast(), lightspeed_x.LightspeedX(),
                                clover.Clover(), shopify.Shopify(), custom.Custom()]
    by_name = {adapter.name: adapter for adapter in adapters}
    return {name: by_name[name] for name in PROVIDERS}


def get_provider(name: str) -> Provider:
    try:
        return registered()[name]
    except KeyError:
        raise LookupError(f"unknown provider {name!r}") from None
