"""Agenda items are withdrawn, never deleted: who, when and why; the numbering of the
active items stays unique, a withdrawn item keeps the number it had."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("meetings", "0002_actionitem_advisor_agendaitem_attendance_and_more"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="agendaitem",
            name="withdrawn_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="agendaitem",
            name="withdrawn_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="agendaitem",
            name="withdrawal_reason",
            field=models.TextField(blank=True),
        ),
        migrations.RemoveConstraint(
            model_name="agendaitem",
            name="agenda_item_unique_position",
        ),
        migrations.AddConstraint(
            model_name="agendaitem",
            constraint=models.UniqueConstraint(
                condition=models.Q(("withdrawn_at__isnull", True)),
                fields=("meeting", "position"),
                name="agenda_item_unique_position",
            ),
        ),
        migrations.AddConstraint(
            model_name="agendaitem",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("withdrawn_at__isnull", True),
                    models.Q(("withdrawal_reason", ""), _negated=True),
                    _connector="OR",
                ),
                name="agenda_item_withdrawal_has_reason",
            ),
        ),
    ]
