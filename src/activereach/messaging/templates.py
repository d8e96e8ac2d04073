"""The Active Bill template per channel: defaults, validation and rendering from the bill.

WhatsApp: an approved template name + language + body parameters, the bill code as the dynamic
suffix of URL button 0.  SMS: the exact registered DLT text with ``{#var#}`` placeholders filled
in order (each ≤ 30 characters).  Email: subject, HTML and text rendered by a sandboxed Jinja with time and size limits
(``messaging/sandbox.py``; the operator's ``template_render_seconds`` and
``template_max_output_bytes``): a template over a limit is a ``TemplateProblem``, a 422.
"""

from __future__ import annotations

import time
from typing import Any

from jinja2 import StrictUndefined, TemplateError

from activereach.bills.render import money
from activereach.config import get_settings
from activereach.messaging import rules, sandbox
from activereach.messaging.sandbox import LimitedEnvironment

TEMPLATE_NAME = "active_bill"
# Names a template may use; each is computed from the bill snapshot and the order.
VARIABLES = ("customer_name", "brand", "outlet", "invoice_number", "amount", "code", "url",
             "date", "points_earned", "thanks")
# The opening line, by where the order was placed: an online shopper never "visited".
THANKS_ONLINE = "Thank you for your order from {brand}"
THANKS_IN_STORE = "Thank you for visiting {outlet}"

DEFAULTS: dict[str, dict[str, Any]] = {
    "whatsapp": {"template_name": "active_bill_receipt", "language": "en",
                 "body_params": ["customer_name", "brand", "invoice_number", "amount"],
                 "button_index": 0,
                 # The approved template's wording, for the console's preview only: the send
                 # names the template and Meta fills in its own copy of this text.
                 "header_text": "Your bill is ready",
                 "body_text": ("Hi {{1}}, thank you for shopping with {{2}}. Your bill {{3}} "
                               "for {{4}} is ready."),
                 "footer_text": "Reply STOP to stop WhatsApp receipts",
                 "button_label": "View bill", "button_url": None},
    "sms": {"dlt_text": None, "variables": ["brand", "invoice_number", "amount", "code"]},
    "email": {
        "subject": "Your bill {{ invoice_number }} from {{ brand }}",
        "text": ("Hi {{ customer_name }},\n\n{{ thanks }}.\n"
                 "Bill {{ invoice_number }} for {{ amount }} on {{ date }}.\n"
                 "{% if points_earned %}Points earned: {{ points_earned }}\n{% endif %}"
                 "\nView your bill: {{ url }}\n\n{{ brand }}\n"),
        "html": (
            "<!doctype html><html><body style=\"font-family:sans-serif;color:#222\">"
            "<p>Hi {{ customer_name }},</p><p>{{ thanks }}.</p>"
            "<table cellpadding=\"4\" style=\"border-collapse:collapse\">"
            "{% for line in bill.lines %}<tr><td>{{ line.qty }} × {{ line.name }}"
            "{% if line.variant %} ({{ line.variant }}){% endif %}</td>"
            "<td align=\"right\">{{ line.total | money }}</td></tr>{% endfor %}"
            "<tr><td><strong>Total</strong></td><td align=\"right\"><strong>{{ amount }}"
            "</strong></td></tr></table>"
            "<p>Bill {{ invoice_number }} · {{ date }}</p>"
            "{% if points_earned %}<p>Points earned: {{ points_earned }}</p>{% endif %}"
            "<p><a href=\"{{ url }}\">View your bill</a></p><p>{{ brand }}</p></body></html>"),
    },
}

# HTML autoescapes; subject and text must not (or "Brew & Bloom" would read "Brew &amp; Bloom").
_HTML_ENV = LimitedEnvironment(autoescape=True, undefined=StrictUndefined)
_TEXT_ENV = LimitedEnvironment(autoescape=False, undefined=StrictUndefined)
# Jinja resolves filters when it compiles, so validation needs ``money`` to exist; rendering
# overlays it with the bill's own currency, exponent and locale.
for _env_ in (_HTML_ENV, _TEXT_ENV):
    _env_.filters["money"] = lambda minor: money(int(minor or 0), "INR", 2, "en_IN")


def _env(key: str) -> LimitedEnvironment:
    return _HTML_ENV if key == "html" else _TEXT_ENV


def limits() -> sandbox.Limits:
    """The operator's render limits (environment settings, never a tenant's)."""
    settings = get_settings()
    return sandbox.Limits(seconds=settings.template_render_seconds,
                          max_bytes=settings.template_max_output_bytes)


class TemplateProblem(ValueError):
    """A template that cannot be rendered for this bill; ``field`` names the culprit."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def default_sms_text(bill_url: str, count: int, online: bool = False) -> str:
    """A DLT-shaped default: static text, the whitelisted bill URL prefix, the code as a variable.
    An online order gets the online wording (a brand registers both texts, or its own)."""
    base = bill_url.rsplit("/", 1)[0]
    opening = "Thank you for your order from" if online else "Thank you for visiting"
    head = opening + " {#var#}. Bill {#var#} for {#var#}: "
    return head + base + "/{#var#}" if count == 4 else " ".join(["{#var#}"] * count)


def is_online(snapshot: dict[str, Any]) -> bool:
    return snapshot.get("channel") == "online"


def fill_numbered(text: str, values: list[str]) -> str:
    """WhatsApp's ``{{1}}``, ``{{2}}``… replaced by the body parameters in order (a number
    without a parameter stays as it is, which is what Meta would reject)."""
    out = text
    for index, value in enumerate(values, start=1):
        out = out.replace("{{%d}}" % index, value)
    return out


def effective(channel: str, stored: dict[str, Any] | None) -> dict[str, Any]:
    """Stored fields over the defaults."""
    return {**DEFAULTS[channel], **(stored or {})}


def validate(channel: str, content: dict[str, Any]) -> None:
    """Reject unknown variable names and email templates that do not compile."""
    names = {"whatsapp": "body_params", "sms": "variables"}.get(channel)
    if names:
        for index, name in enumerate(content.get(names) or []):
            if name not in VARIABLES:
                raise TemplateProblem(f"{names}[{index}]", f"unknown variable {name!r}; "
                                      f"one of {', '.join(VARIABLES)}")
    if channel == "sms" and content.get("dlt_text") is not None:
        count = str(content["dlt_text"]).count(rules.DLT_VAR)
        if count != len(content.get("variables") or []):
            raise TemplateProblem("variables", f"dlt_text has {count} {rules.DLT_VAR} "
                                  "placeholders; give exactly that many variables")
    if channel == "email":
        for key in ("subject", "text", "html"):
            try:
                sandbox.check_source(str(content.get(key) or ""), _env(key))
                _env(key).from_string(str(content.get(key) or ""))
            except sandbox.RenderLimit as exc:
                raise TemplateProblem(key, str(exc)) from exc
            except TemplateError as exc:
                raise TemplateProblem(key, f"does not compile: {exc}") from exc


def variables(snapshot: dict[str, Any], customer_name: str | None) -> dict[str, str]:
    """Every template variable for this bill, as display strings."""
    totals = snapshot.get("totals") or {}
    amount = int(totals.get("payable", totals.get("total", 0)) or 0)
    loyalty = snapshot.get("loyalty") or {}
    seller = snapshot.get("seller") or {}
    brand = (snapshot.get("brand") or {}).get("name") or ""
    outlet = seller.get("name") or brand
    thanks = (THANKS_ONLINE if is_online(snapshot) else THANKS_IN_STORE).format(
        brand=brand, outlet=outlet)
    return {
        "customer_name": (customer_name or "").split(" ")[0] or "Customer",
        "brand": brand, "outlet": outlet, "thanks": thanks,
        "invoice_number": str(snapshot.get("invoice_number") or ""),
        "amount": money(amount, snapshot.get("currency") or "INR",
                        int(snapshot.get("exponent", 2)), snapshot.get("locale") or "en_IN"),
        "code": str(snapshot.get("code") or ""), "url": str(snapshot.get("url") or ""),
        "date": str(snapshot.get("issued_local") or ""),
        "points_earned": str(loyalty.get("earned") or "") if loyalty else "",
    }


def render(channel: str, content: dict[str, Any], snapshot: dict[str, Any],
           customer_name: str | None) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """(template name, params, rendered content) for one channel; raises TemplateProblem."""
    values = variables(snapshot, customer_name)
    if channel == "whatsapp":
        return _render_whatsapp(content, values)
    if channel == "sms":
        return _render_sms(content, values, is_online(snapshot))
    return _render_email(content, values, snapshot)


def _render_whatsapp(content: dict[str, Any],
                     values: dict[str, str]) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """The send's fields (template, language, parameters, button suffix) and, for people, the
    text the shopper sees: header, body with the parameters filled, footer, the button."""
    params = {name: values[name] for name in content["body_params"]}
    filled = [values[name] for name in content["body_params"]]
    url_pattern = content.get("button_url") or (values["url"].rsplit("/", 1)[0] + "/{{1}}")
    return content["template_name"], params, {
        "template": content["template_name"], "language": content["language"],
        "body_params": filled, "button_index": int(content.get("button_index") or 0),
        "button_suffix": values["code"],
        "header": str(content.get("header_text") or ""),
        "text": fill_numbered(str(content.get("body_text") or ""), filled),
        "footer": str(content.get("footer_text") or ""),
        "button_label": str(content.get("button_label") or ""),
        "button_url": fill_numbered(url_pattern, [values["code"]])}


def _render_sms(content: dict[str, Any], values: dict[str, str],
                online: bool) -> tuple[str, dict[str, Any], dict[str, Any]]:
    names = list(content["variables"])
    text = content.get("dlt_text") or default_sms_text(values["url"], len(names), online)
    filled = [values[name] for name in names]
    try:
        rendered = rules.dlt_render(text, filled)
    except rules.DltError as exc:
        raise TemplateProblem("sms", str(exc)) from exc
    if not rules.dlt_matches(text, rendered):  # belt and braces: exactly the registered text
        raise TemplateProblem("sms", "rendered text does not match the registered DLT template")
    return TEMPLATE_NAME + ":sms", dict(zip(names, filled, strict=True)), {
        "text": rendered, "dlt_text": text, "variables": filled}


def _render_email(content: dict[str, Any], values: dict[str, str],
                  snapshot: dict[str, Any]) -> tuple[str, dict[str, Any], dict[str, Any]]:
    currency = snapshot.get("currency") or "INR"
    exponent = int(snapshot.get("exponent", 2))
    locale = snapshot.get("locale") or "en_IN"
    context = {**values, "bill": snapshot}
    out: dict[str, Any] = {}
    bounds = limits()
    deadline = time.monotonic() + bounds.seconds  # one time budget for the three parts
    for key in ("subject", "text", "html"):
        env = _env(key).overlay()
        env.filters["money"] = lambda minor: money(int(minor or 0), currency, exponent, locale)
        left = sandbox.Limits(max(deadline - time.monotonic(), 0.0), bounds.max_bytes)
        try:
            out[key] = sandbox.render(env, str(content[key]), context, left)
        except sandbox.RenderLimit as exc:
            raise TemplateProblem(key, f"over a render limit: {exc}") from exc
        except (TemplateError, ArithmeticError, TypeError, ValueError) as exc:
            # A division by zero or a bad operand is the template's fault too, not a 500.
            raise TemplateProblem(key, f"cannot render: {exc}") from exc
    # A subject is one line; a template with a newline in it would break the header.
    out["subject"] = " ".join(out["subject"].split())
    return TEMPLATE_NAME + ":email", values, out
