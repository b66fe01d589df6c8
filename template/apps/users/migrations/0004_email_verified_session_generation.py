from django.db import migrations, models


class Migration(migrations.Migration):
    """Add e-mail verification and session generations; existing users count as verified."""

    dependencies = [
        ("users", "0003_canonical_email"),
    ]

    operations = [
        # True for the rows already there (their owners signed in before verification
        # existed), then False for every account created from now on.
        migrations.AddField(
            model_name="user",
            name="email_verified",
            field=models.BooleanField(default=True, verbose_name="e-mail address verified"),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="user",
            name="email_verified",
            field=models.BooleanField(
                default=False,
                help_text="Set when the owner follows the link sent to the address; until then the account cannot sign in.",
                verbose_name="e-mail address verified",
            ),
        ),
        migrations.AddField(
            model_name="user",
            name="session_generation",
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
    ]
