"""Email over SMTP (plain, STARTTLS or SSL, with or without authentication)."""

from __future__ import annotations

import os
import smtplib
import ssl
from email.message import EmailMessage

from fireline.adapters.notifications.base import DeliveryFailed
from fireline.domain.messages import ChannelConfig, Message


class EmailChannel:
    """Sends one email per message through the configured SMTP server."""

    def __init__(self, config: ChannelConfig) -> None:
        self._settings = config.settings

    def send(self, message: Message, to: str) -> str:
        s = self._settings
        email = EmailMessage()
        email["From"] = str(s["from_address"])
        email["To"] = to
        email["Subject"] = message.subject
        # Receivers (and people) can tell repeats of one message apart from new ones.
        email["Message-ID"] = f"<{message.key}@fireline>"
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
                    smtp.login(str(s["username"]), _password(s))
                refused = smtp.send_message(email)
        except smtplib.SMTPResponseException as error:
            # 5xx is the server saying no for good; 4xx is "try again later".
            said = error.smtp_error
            text = said.decode(errors="replace") if isinstance(said, bytes) else str(said)
            raise DeliveryFailed(
                f"SMTP {error.smtp_code}: {text}", permanent=error.smtp_code >= 500
            ) from None
        except smtplib.SMTPRecipientsRefused as error:
            raise DeliveryFailed(f"recipient refused: {to}", permanent=True) from error
        except (OSError, smtplib.SMTPException) as error:
            raise DeliveryFailed(f"SMTP: {error}", permanent=False) from None
        if refused:
            raise DeliveryFailed(f"recipient refused: {to}", permanent=True)
        return f"accepted by {host}:{port}"


def _password(settings: dict[str, str | int | float | bool | None]) -> str:
    if settings.get("password_env"):
        value = os.environ.get(str(settings["password_env"]))
        if value is None:
            raise DeliveryFailed(
                f"environment variable {settings['password_env']} is not set", permanent=True
            )
        return value
    return str(settings.get("password") or "")
