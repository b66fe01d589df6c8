"""The users app's data migrations: accounts from before a feature keep working."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE_VERIFICATION = [("users", "0002_email_taken_message")]
VERIFICATION = [("users", "0003_email_verified_session_generation")]


@pytest.mark.django_db(transaction=True)
def test_users_from_before_verification_count_as_verified() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE_VERIFICATION)
    try:
        old_user = executor.loader.project_state(BEFORE_VERIFICATION).apps.get_model(
            "users", "User"
        )
        existing = old_user.objects.create(email="early@example.com", password="!")
        executor.loader.build_graph()
        executor.migrate(VERIFICATION)
        user = executor.loader.project_state(VERIFICATION).apps.get_model("users", "User")
        new = user.objects.create(email="late@example.com", password="!")

        assert user.objects.get(pk=existing.pk).email_verified
        assert not user.objects.get(pk=new.pk).email_verified
        assert user.objects.get(pk=existing.pk).session_generation == 0
    finally:
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
