"""Email over SMTP (aiosmtplib): STARTTLS, implicit TLS or plain (loopback/test relays only)."""

from __future__ import annotations

import ssl
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from typing import Any

import httpx2

from activereach.kit import outbound
from activereach.messaging.providers.base import Outbound, ProviderError, SendResult, Setting

SECURITY = ("starttls", "tls", "none")


class SmtpProvider:
    name = "smtp"
    description = ("Email through your own mail server (SMTP), e.g. Google Workspace, SES or "
                   "Postmark.")
    settings = {
        "host": Setting("Mail server", "The SMTP host name, e.g. smtp.gmail.com."),
        "port": Setting("Port", "587 for STARTTLS, 465 for TLS.", "number"),
        "security": Setting("Connection security", "STARTTLS upgrades a plain connection; TLS "
                            "encrypts from the start; none only for a relay on this machine.",
                            "choice", ("starttls", "tls", "none")),
        "username": Setting("User name", "Leave blank when the server needs no sign-in."),
        "from_address": Setting("From address", "The address shoppers see, e.g. "
                                "bills@yourbrand.in."),
        "from_name": Setting("From name", "The name shoppers see, e.g. your brand."),
        "reply_to": Setting("Reply-to address", "Where replies go; blank: the from address."),
        "verify_tls": Setting("Verify the server's TLS certificate", "Keep this on; turn it "
                              "off only for a test server with a self-signed certificate.",
                              "bool"),
        "timeout": Setting("Timeout (seconds)", "How long to wait for the server.", "number"),
        "password": Setting("Password", "The mail account's password or app password."),
    }
    hosts: tuple[str, ...] = ()   # any relay: checked by address instead (kit/outbound.py)
    required: tuple[str, ...] = ("host", "from_address")
    optional: dict[str, Any] = {"port": 587, "security": "starttls", "username": None,
                                "from_name": None, "reply_to": None, "verify_tls": True,
                                "timeout": 15}
    secret_keys: tuple[str, ...] = ("password",)
    outlet_keys: tuple[str, ...] = ("from_address", "from_name", "reply_to")

    async def send(self, message: Outbound, config: dict[str, Any], secrets: dict[str, str],
                   client: httpx2.AsyncClient) -> SendResult:
        import aiosmtplib  # noqa: PLC0415 (imported on first email: keeps app start-up light)

        email = build_email(message, config)
        security = config.get("security") or "starttls"
        context = ssl.create_default_context()
        if not config.get("verify_tls", True):
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        timeout = float(config.get("timeout") or 15)
        try:
            # Connected here, to an address checked now (kit/outbound.py); aiosmtplib still
            # verifies TLS against the host name.
            sock = await outbound.smtp_socket(config["host"], int(config.get("port") or 587),
                                              timeout)
        except outbound.Refused as exc:
            raise ProviderError("outbound_refused", str(exc), transient=False) from exc
        except OSError as exc:
            raise ProviderError("smtp_connection", str(exc) or type(exc).__name__,
                                transient=True) from exc
        try:
            errors, reply = await aiosmtplib.send(
                email, hostname=config["host"], sock=sock,
                username=config.get("username") or None, password=secrets.get("password") or None,
                use_tls=security == "tls", start_tls=security == "starttls",
                tls_context=context, timeout=timeout)
        except aiosmtplib.SMTPResponseException as exc:
            # 4xx: try again later; 5xx: the server refused for good (bad mailbox, policy).
            raise ProviderError(f"smtp_{exc.code}", exc.message, transient=400 <= exc.code < 500,
                                response={"smtp_code": exc.code}) from exc
        except aiosmtplib.SMTPRecipientsRefused as exc:
            first = exc.recipients[0] if exc.recipients else None
            code = first.code if first else 550
            raise ProviderError(f"smtp_{code}", str(first.message if first else exc),
                                transient=400 <= code < 500, response={"smtp_code": code}) from exc
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise ProviderError("smtp_connection", str(exc) or type(exc).__name__,
                                transient=True) from exc
        refused = {addr: resp.code for addr, resp in errors.items()}
        if refused:
            raise ProviderError("smtp_refused", f"recipient refused: {refused}", transient=False,
                                response={"refused": refused})
        return SendResult(str(email["Message-ID"]).strip("<>"), {"reply": reply})


def build_email(message: Outbound, config: dict[str, Any]) -> EmailMessage:
    """A multipart/alternative message: the text body first, the HTML alternative second."""
    content = message.content
    email = EmailMessage()
    email["From"] = formataddr((config.get("from_name") or "", config["from_address"]))
    email["To"] = message.to
    email["Subject"] = content["subject"]
    domain = config["from_address"].rpartition("@")[2] or "localhost"
    email["Message-ID"] = make_msgid(idstring=message.message_id, domain=domain)
    if config.get("reply_to"):
        email["Reply-To"] = config["reply_to"]
    # Lets bounces and replies be tied back to the outbox row.
    email["X-ActiveReach-Message"] = message.message_id
    email.set_content(content["text"])
    email.add_alternative(content["html"], subtype="html")
    return email
