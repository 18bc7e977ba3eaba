"""Email over SMTP (plain, STARTTLS or SSL, with or without authentication)."""

from __future__ import annotations

import hashlib
import smtplib
import ssl
from email.message import EmailMessage

from fireline.adapters.notifications.base import DeliveryFailed, secret
from fireline.domain.messages import ChannelConfig, Message


class EmailChannel:
    """Sends one email per message through the configured SMTP server, to `to` or, for
    the channel's own room, to its configured `to` address."""

    def __init__(self, config: ChannelConfig) -> None:
        self._settings = config.settings

    def send(self, message: Message, to: str) -> str:
        s = self._settings
        # A post to the channel's own room goes to its `to` (a list address).
        to = to or str(s.get("to") or "")
        if not to:
            raise DeliveryFailed("no address: the channel has no `to`", permanent=True)
        email = EmailMessage()
        email["From"] = str(s["from_address"])
        email["To"] = to
        email["Subject"] = message.subject
        # Receivers (and people) can tell repeats of one message apart from new ones.
        email["Message-ID"] = message_id(message.key)
        email.set_content(message.text)
        host, port, timeout = str(s["host"]), int(s["port"] or 0), float(s["timeout"] or 10)
        try:
            if s["security"] == "ssl":
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                    host, port, timeout=timeout, context=ssl.create_default_context()
                )
            else:
                smtp = smtplib.SMTP(host, port, timeout=timeout)
            with smtp:
                if s["security"] == "starttls":
                    smtp.starttls(context=ssl.create_default_context())
                if s["username"]:
                    smtp.login(str(s["username"]), secret(s, "password"))
                refused = smtp.send_message(email)
        except smtplib.SMTPResponseException as error:
            # 5xx is the server saying no for good; 4xx is "try again later".
            raise DeliveryFailed(
                f"SMTP {error.smtp_code}: {_text(error.smtp_error)}",
                permanent=error.smtp_code >= 500,
            ) from None
        except smtplib.SMTPRecipientsRefused as error:
            # "452 mailbox full, try later" is transient; "550 no such user" is not.
            answers = list(error.recipients.values())
            said = "; ".join(f"{code} {_text(text)}" for code, text in answers)
            permanent = all(code >= 500 for code, _ in answers)
            raise DeliveryFailed(f"recipient refused: {said}", permanent=permanent) from None
        except (OSError, smtplib.SMTPException) as error:
            raise DeliveryFailed(f"SMTP: {error}", permanent=False) from None
        if refused:
            raise DeliveryFailed(f"recipient refused: {to}", permanent=True)
        return f"accepted by {host}:{port}"


def message_id(key: str) -> str:
    """The Message-ID of every attempt of the message with idempotency key `key`."""
    local = key if key.replace("-", "").isalnum() else hashlib.sha256(key.encode()).hexdigest()
    return f"<{local}@fireline>"


def _text(said: bytes | str) -> str:
    return said.decode(errors="replace") if isinstance(said, bytes) else str(said)
