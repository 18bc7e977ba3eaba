"""Twilio's REST API, shared by the SMS and voice channels: one authenticated form POST.

`base_url` defaults to https://api.twilio.com; point it at a compatible gateway (or a test
receiver). Twilio refuses bad numbers with 400 and a code (21211 invalid number, 21610
unsubscribed, 21614 not a mobile): those are permanent; 429 and 5xx are worth a retry.
"""

from __future__ import annotations

from fireline.adapters.notifications.base import DeliveryFailed, Settings, post, secret


def create(settings: Settings, resource: str, form: dict[str, str], key: str) -> str:
    """POST `form` to the account's `resource` (Messages, Calls); the new resource's SID."""
    sid = str(settings["account_sid"])
    base = str(settings.get("base_url") or "https://api.twilio.com").rstrip("/")
    url = f"{base}/2010-04-01/Accounts/{sid}/{resource}.json"
    try:
        response = post(
            url,
            timeout=float(settings["timeout"] or 10),
            key=key,
            data={"From": str(settings["from_number"]), **form},
            auth=(sid, secret(settings, "auth_token")),
        )
    except DeliveryFailed as failed:
        raise DeliveryFailed(
            f"Twilio {resource}: {failed.reason}",
            permanent=failed.permanent,
            retry_after=failed.retry_after,
        ) from None
    try:
        created = str(response.json().get("sid") or "?")
    except ValueError:
        created = "?"
    return f"{resource[:-1].lower()} {created}"
