"""Provider adapters, one file each, behind the ``Provider`` protocol in ``base``."""

from __future__ import annotations

from activereach.pipes.providers.base import Provider


def get_provider(name: str) -> Provider:
    from activereach.pipes.providers import clover, custom, lightspeed_x, shopify, square, toast

    providers: dict[str, Provider] = {
        "square": square.Square(), "toast": toast.Toast(), "lightspeed_x": lightspeed_x.LightspeedX(),
        "clover": clover.Clover(), "shopify": shopify.Shopify(), "custom": custom.Custom(),
    }
    try:
        return providers[name]
    except KeyError:
        raise LookupError(f"unknown provider {name!r}") from None


PROVIDERS = ("square", "toast", "lightspeed_x", "clover", "shopify", "custom")
