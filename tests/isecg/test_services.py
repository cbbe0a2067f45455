"""The audit log, the notification outbox and user preferences."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.test import override_settings

from isecg import services
from isecg.errors import ValidationFailed
from isecg.models import AppendOnlyError, AuditEvent, Notification, User
from tests.factories import AgencyFactory, UserFactory

pytestmark = pytest.mark.django_db

FAILING_BACKEND = "tests.isecg.test_services.FailingEmailBackend"
FLAKY_BACKEND = "tests.isecg.test_services.FlakyEmailBackend"


class FailingEmailBackend(BaseEmailBackend):
    """An SMTP server that is down."""

    def send_messages(self, email_messages: Any) -> int:
        raise ConnectionRefusedError("SMTP server unreachable")


class FlakyEmailBackend(BaseEmailBackend):
    """Fails the first `failures` sends, then delivers to mail.outbox."""

    failures = 1
    calls = 0

    def send_messages(self, email_messages: Any) -> int:
        type(self).calls += 1
        if type(self).calls <= type(self).failures:
            raise TimeoutError("SMTP timeout")
        mail.outbox.extend(email_messages)
        return len(email_messages)


@pytest.fixture
def flaky() -> Any:
    FlakyEmailBackend.calls = 0
    FlakyEmailBackend.failures = 1
    with override_settings(EMAIL_BACKEND=FLAKY_BACKEND):
        yield FlakyEmailBackend


# --- audit_record ---------------------------------------------------------------


def test_audit_record_writes_one_row() -> None:
    actor = UserFactory()
    agency = AgencyFactory(acronym="JAXA")
    event = services.audit_record(
        actor=actor, action="agency.noted", obj=agency, data={"why": "test"}
    )
    event.refresh_from_db()
    assert event.actor == actor
    assert event.action == "agency.noted"
    assert event.content_type.model == "agency"
    assert event.object_id == str(agency.pk)
    assert event.object_repr == "JAXA"
    assert event.data == {"why": "test"}
    assert event.at is not None


def test_audit_record_for_the_system_and_without_object() -> None:
    from django.contrib.auth.models import AnonymousUser

    event = services.audit_record(actor=None, action="system.sweep")
    assert (event.actor, event.content_type, event.object_id, event.data) == (None, None, "", {})
    anon = services.audit_record(actor=AnonymousUser(), action="system.sweep")
    assert anon.actor is None


def test_audit_events_are_append_only() -> None:
    event = services.audit_record(actor=None, action="x")
    event.action = "edited"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    assert AuditEvent.objects.get(pk=event.pk).action == "x"


# --- notification_send -------------------------------------------------------


def _send(recipients: list[User], key: str = "decision:1", **kw: Any) -> list[Notification]:
    return services.notification_send(
        kind="decision.opened",
        recipients=recipients,
        key=key,
        title=kw.pop("title", "A decision is open"),
        body=kw.pop("body", "Please respond."),
        url=kw.pop("url", "/decisions/1/"),
        **kw,
    )


def test_notification_send_writes_once_per_kind_recipient_key(
    django_capture_on_commit_callbacks: Any,
) -> None:
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    with django_capture_on_commit_callbacks(execute=True):
        first = _send([alice, bob])
    with django_capture_on_commit_callbacks(execute=True):
        second = _send([alice, bob])
    assert len(first) == 2
    assert second == []
    assert Notification.objects.count() == 2
    assert len(mail.outbox) == 2
    # Another key or another kind is another notice.
    with django_capture_on_commit_callbacks(execute=True):
        assert len(_send([alice], key="decision:2")) == 1
        assert (
            len(
                services.notification_send(
                    kind="decision.reminder", recipients=[alice], key="decision:1", title="t"
                )
            )
            == 1
        )
    assert Notification.objects.filter(recipient=alice).count() == 3


def test_notification_send_skips_inactive_users(django_capture_on_commit_callbacks: Any) -> None:
    active = UserFactory()
    gone = UserFactory(is_active=False)
    with django_capture_on_commit_callbacks(execute=True):
        written = _send([active, gone])
    assert [n.recipient for n in written] == [active]
    assert not Notification.objects.filter(recipient=gone).exists()
    assert _send([gone], key="other") == []


def test_notification_is_delivered_only_after_commit(
    django_capture_on_commit_callbacks: Any,
) -> None:
    user = UserFactory(email="hod@agency.example")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        (notification,) = _send([user])
        assert mail.outbox == []
    assert len(callbacks) == 1
    assert Notification.objects.get().state == Notification.State.PENDING
    callbacks[0]()
    notification.refresh_from_db()
    assert notification.state == Notification.State.SENT
    assert notification.attempts == 1
    assert [m.to for m in mail.outbox] == [["hod@agency.example"]]


def test_nothing_to_send_enqueues_nothing(django_capture_on_commit_callbacks: Any) -> None:
    user = UserFactory()
    _send([user])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _send([user])
    assert callbacks == []


# --- notification_deliver -------------------------------------------------------


def _pending(user: User | None = None, **kw: Any) -> Notification:
    return Notification.objects.create(
        kind="k",
        recipient=user or UserFactory(email="to@agency.example"),
        key=kw.pop("key", "x:1"),
        title=kw.pop("title", "Decision closed"),
        body=kw.pop("body", "Adopted."),
        url=kw.pop("url", "/decisions/7/"),
        **kw,
    )


def test_notification_deliver_sends_exactly_one_email() -> None:
    notification = _pending()
    assert services.notification_deliver(notification_id=notification.pk) == services.DELIVERY_SENT
    assert (
        services.notification_deliver(notification_id=notification.pk)
        == services.DELIVERY_ALREADY_SENT
    )
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject == "[ISECG] Decision closed"
    assert message.to == ["to@agency.example"]
    assert message.body.startswith("Adopted.")
    assert message.body.endswith("/decisions/7/")
    notification.refresh_from_db()
    assert notification.state == Notification.State.SENT
    assert notification.sent_at is not None
    assert notification.attempts == 1


def test_notification_without_email_is_marked_sent_silently() -> None:
    in_app_only = _pending(send_email=False)
    no_address = _pending(UserFactory(email=""), key="x:2")
    for n in (in_app_only, no_address):
        assert services.notification_deliver(notification_id=n.pk) == services.DELIVERY_SENT
        n.refresh_from_db()
        assert n.state == Notification.State.SENT
    assert mail.outbox == []


def test_notification_deliver_unknown_id_is_harmless() -> None:
    assert services.notification_deliver(notification_id=999_999) == services.DELIVERY_ALREADY_SENT


@override_settings(EMAIL_BACKEND=FAILING_BACKEND, NOTIFICATION_MAX_ATTEMPTS=3)
def test_failed_delivery_is_recorded_and_retried_until_attempts_run_out() -> None:
    notification = _pending()
    for attempt in (1, 2):
        result = services.notification_deliver(notification_id=notification.pk)
        assert result == services.DELIVERY_RETRY
        notification.refresh_from_db()
        assert notification.attempts == attempt
        assert notification.state == Notification.State.PENDING
        assert "ConnectionRefusedError" in notification.last_error
    assert (
        services.notification_deliver(notification_id=notification.pk) == services.DELIVERY_GAVE_UP
    )
    notification.refresh_from_db()
    assert notification.attempts == 3
    assert notification.state == Notification.State.FAILED
    # A failed notice stays failed: later calls do not try again.
    assert (
        services.notification_deliver(notification_id=notification.pk) == services.DELIVERY_GAVE_UP
    )
    notification.refresh_from_db()
    assert notification.attempts == 3
    assert mail.outbox == []


def test_delivery_succeeds_after_a_failure(flaky: Any) -> None:
    notification = _pending()
    assert services.notification_deliver(notification_id=notification.pk) == services.DELIVERY_RETRY
    assert services.notification_deliver(notification_id=notification.pk) == services.DELIVERY_SENT
    notification.refresh_from_db()
    assert (notification.state, notification.attempts) == (Notification.State.SENT, 2)
    assert len(mail.outbox) == 1


# --- notification_mark_read -----------------------------------------------------


def test_mark_read_only_touches_the_actors_own_notices() -> None:
    me, other = UserFactory(), UserFactory()
    mine = [_pending(me, key=f"m:{i}") for i in range(3)]
    theirs = _pending(other, key="t:1")

    assert services.notification_mark_read(actor=me, notification_ids=[mine[0].pk, theirs.pk]) == 1
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert [Notification.objects.get(pk=n.pk).is_read for n in mine] == [True, False, False]

    assert services.notification_mark_read(actor=me) == 2
    assert not Notification.objects.filter(recipient=me, read_at__isnull=True).exists()
    assert Notification.objects.get(pk=theirs.pk).read_at is None
    assert services.notification_mark_read(actor=me) == 0


# --- user_time_zone_set ---------------------------------------------------------


def test_time_zone_set_validates_and_audits() -> None:
    user = UserFactory()
    services.user_time_zone_set(actor=user, time_zone="Asia/Tokyo")
    assert User.objects.get(pk=user.pk).time_zone == "Asia/Tokyo"
    event = AuditEvent.objects.get(action="user.time_zone_set")
    assert event.data == {"before": "UTC", "after": "Asia/Tokyo"}

    services.user_time_zone_set(actor=user, time_zone="Asia/Tokyo")
    assert AuditEvent.objects.filter(action="user.time_zone_set").count() == 1

    with pytest.raises(ValidationFailed) as info:
        services.user_time_zone_set(actor=user, time_zone="Mars/Olympus_Mons")
    assert (info.value.code, info.value.field) == ("unknown_time_zone", "time_zone")
    assert User.objects.get(pk=user.pk).time_zone == "Asia/Tokyo"
