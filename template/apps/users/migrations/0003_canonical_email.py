"""Store every address in its canonical form; the email column's index then enforces it.

Existing rows are rewritten with ``canonical_email`` (the function itself, not a copy: the
point is one definition). Two accounts whose addresses are one address in different
spellings cannot both keep it: the migration stops and names them, to be merged by hand.
"""

from collections import defaultdict

from django.db import migrations, models

from apps.users.addresses import canonical_email


def store_canonical_addresses(apps, schema_editor):
    User = apps.get_model("users", "User")
    owners = defaultdict(list)
    for pk, email in User.objects.values_list("pk", "email"):
        owners[canonical_email(email)].append((pk, email))
    shared = {address: rows for address, rows in owners.items() if len(rows) > 1}
    if shared:
        listing = "; ".join(
            f"{address}: {', '.join(email for _pk, email in rows)}"
            for address, rows in shared.items()
        )
        message = f"Accounts share an address in different spellings; merge them first: {listing}"
        raise RuntimeError(message)
    for address, [(pk, email)] in owners.items():
        if address != email:
            User.objects.filter(pk=pk).update(email=address)


class Migration(migrations.Migration):

    dependencies = [
        ('users', '0002_email_taken_message'),
    ]

    operations = [
        migrations.RunPython(store_canonical_addresses, migrations.RunPython.noop),
        migrations.RemoveConstraint(
            model_name='user',
            name='users_email_ci_unique',
        ),
        migrations.AlterField(
            model_name='user',
            name='email',
            field=models.EmailField(error_messages={'unique': 'An account with this e-mail address already exists.'}, max_length=254, unique=True, verbose_name='email address'),
        ),
    ]
