import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("marketplace", "0015_review_effects"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="labinvitation", name="one_member_invitation_per_lab_email"),
        migrations.AddField(
            model_name="labinvitation",
            name="status",
            field=models.CharField(
                choices=[("pending", "Pending"), ("accepted", "Accepted"), ("revoked", "Revoked")],
                default="pending",
                max_length=10,
            ),
        ),
        migrations.AddField(
            model_name="labinvitation",
            name="token_hash",
            field=models.CharField(blank=True, max_length=64, null=True, unique=True),
        ),
        migrations.AddField(model_name="labinvitation", name="expires_at", field=models.DateTimeField(null=True)),
        migrations.AddField(model_name="labinvitation", name="sent_at", field=models.DateTimeField(null=True)),
        migrations.AddField(
            model_name="labinvitation",
            name="accepted_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(model_name="labinvitation", name="closed_at", field=models.DateTimeField(blank=True, null=True)),
        # Invitations made before links existed keep the seven days a link gets.
        migrations.RunSQL(
            "UPDATE marketplace_labinvitation SET sent_at = created_at, expires_at = created_at + interval '7 days'",
            migrations.RunSQL.noop,
        ),
        migrations.AlterField(model_name="labinvitation", name="expires_at", field=models.DateTimeField()),
        migrations.AlterField(model_name="labinvitation", name="sent_at", field=models.DateTimeField()),
        migrations.AddConstraint(
            model_name="labinvitation",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status", "pending")),
                fields=("lab", "email"),
                name="one_pending_member_invitation_per_lab_email",
            ),
        ),
        migrations.AddConstraint(
            model_name="labinvitation",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("closed_at__isnull", True), ("status", "pending")),
                    models.Q(models.Q(("status", "pending"), _negated=True), ("closed_at__isnull", False)),
                    _connector="OR",
                ),
                name="member_invitation_closed_when_not_pending",
            ),
        ),
    ]
