"""The notification center: per-kind delivery preferences, signed one-click unsubscribe
links in emails, and the daily digest."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.urls import reverse

from isecg import services, tasks
from isecg.errors import ValidationFailed
from isecg.models import AuditEvent, Notification, NotificationDelivery, NotificationPreference
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def send(user: Any, kind: str = "decision.opened", key: str = "decision:1", **extra: Any) -> None:
    services.notification_send(
        kind=kind, recipients=[user], key=key, title=f"Notice {key}", url="/decisions/1/", **extra
    )


@pytest.fixture
def person(db: Any) -> Any:
    return UserFactory(username="dana", email="dana@example.org")


def test_immediate_is_the_default_and_carries_a_signed_unsubscribe_link(
    person: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        send(person)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["dana@example.org"]
    assert "List-Unsubscribe" in message.extra_headers
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    token = message.extra_headers["List-Unsubscribe"].split("/notifications/unsubscribe/")[1][:-2]
    assert services.notification_unsubscribe(token=token).delivery == NotificationDelivery.IN_APP


def test_in_app_only_sends_no_email_but_keeps_the_notice(
    person: Any, django_capture_on_commit_callbacks: Any
) -> None:
    services.notification_preference_set(actor=person, kind="decision.opened", delivery="in_app")
    with django_capture_on_commit_callbacks(execute=True):
        send(person)
    assert mail.outbox == []
    notice = Notification.objects.get(recipient=person)
    assert notice.state == Notification.State.SENT and not notice.digest_due


def test_the_any_kind_preference_applies_to_kinds_without_their_own(
    person: Any, django_capture_on_commit_callbacks: Any
) -> None:
    services.notification_preference_set(actor=person, kind="*", delivery="in_app")
    services.notification_preference_set(
        actor=person, kind="meeting.scheduled", delivery="immediate"
    )
    with django_capture_on_commit_callbacks(execute=True):
        send(person, kind="decision.opened", key="a")
        send(person, kind="meeting.scheduled", key="b")
    assert [m.subject for m in mail.outbox] == ["[ISECG] Notice b"]


def test_daily_digest_gathers_notices_once(
    person: Any, django_capture_on_commit_callbacks: Any
) -> None:
    other = UserFactory(username="eli", email="eli@example.org")
    for user in (person, other):
        services.notification_preference_set(actor=user, kind="*", delivery="digest")
    with django_capture_on_commit_callbacks(execute=True):
        send(person, key="a")
        send(person, key="b")
        send(other, key="c")
    assert mail.outbox == []
    assert tasks.notification_digests_send() == 3
    assert sorted(m.to[0] for m in mail.outbox) == ["dana@example.org", "eli@example.org"]
    dana = next(m for m in mail.outbox if m.to == ["dana@example.org"])
    assert "2 notices" in dana.subject and "Notice a" in dana.body and "Notice b" in dana.body
    # A rerun (a retried task, a second worker) sends nothing again.
    assert tasks.notification_digests_send() == 0
    assert len(mail.outbox) == 2
    assert Notification.objects.filter(digest_due=False, digested_at__isnull=False).count() == 3


def test_digest_task_is_in_the_beat_schedule(settings: Any) -> None:
    entry = settings.CELERY_BEAT_SCHEDULE["notification-digests-send"]
    assert entry["task"] == "isecg.tasks.notification_digests_send"


def test_preference_set_is_idempotent_and_audited(person: Any) -> None:
    services.notification_preference_set(actor=person, kind="x", delivery="digest")
    services.notification_preference_set(actor=person, kind="x", delivery="digest")
    services.notification_preference_set(actor=person, kind="x", delivery="immediate")
    assert NotificationPreference.objects.get(user=person, kind="x").delivery == "immediate"
    events = AuditEvent.objects.filter(action="notification.preference_set")
    assert [e.data["after"] for e in events.order_by("id")] == ["digest", "immediate"]


@pytest.mark.parametrize(("kind", "delivery"), [("x", "fax"), ("", "digest")])
def test_preference_set_rejects_bad_input(person: Any, kind: str, delivery: str) -> None:
    with pytest.raises(ValidationFailed):
        services.notification_preference_set(actor=person, kind=kind, delivery=delivery)


@pytest.mark.parametrize("token", ["", "garbage", "eyJ1IjoxfQ:1abc:tampered"])
def test_unsubscribe_rejects_tampered_tokens(person: Any, token: str) -> None:
    with pytest.raises(ValidationFailed):
        services.notification_unsubscribe(token=token)


def test_unsubscribe_page_one_click_without_sign_in(client: Any, person: Any) -> None:
    token = services.unsubscribe_token(user=person, kind="decision.opened")
    url = reverse("notification-unsubscribe", args=[token])
    page = client.get(url)
    assert page.status_code == 200 and b"Unsubscribe" in page.content
    assert not NotificationPreference.objects.exists()  # GET changes nothing (link scanners)
    done = client.post(url, {"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200
    assert (
        NotificationPreference.objects.get(user=person, kind="decision.opened").delivery == "in_app"
    )
    bad = client.post(reverse("notification-unsubscribe", args=[token[:-3] + "xyz"]))
    assert bad.status_code == 400


def test_preferences_page_lists_kinds_and_saves_a_choice(client: Any, person: Any) -> None:
    send(person, kind="meeting.scheduled")
    client.force_login(person)
    page = client.get(reverse("preferences")).content.decode()
    assert "Every other kind of notice" in page and "Meeting: scheduled" in page
    response = client.post(
        reverse("notification-preference-set"), {"kind": "meeting.scheduled", "delivery": "digest"}
    )
    assert response.status_code == 302
    assert NotificationPreference.objects.get(user=person).delivery == "digest"


def test_preference_endpoint_needs_sign_in_and_post(client: Any, person: Any) -> None:
    url = reverse("notification-preference-set")
    assert client.post(url, {"kind": "x", "delivery": "digest"}).status_code == 302
    assert not NotificationPreference.objects.exists()
    client.force_login(person)
    assert client.get(url).status_code == 405
