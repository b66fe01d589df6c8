"""Real user work on a generated project, for tests/test_update_path.py.

A new app (``apps/library``: a CASCADE foreign key, a unique constraint, a list endpoint,
a data migration, its services, selectors and tests), the user's own ``orders`` migration,
and edits to settings, URLs, services, README and ``.env.example``. The app follows the
current conformance rules (``manage.py check``'s conventions, ``test_throttling.py``),
so the suite after the update passes when the update itself went right.
"""

from __future__ import annotations

from pathlib import Path

README_LINE = "Deployment notes for this service live in the ops handbook, chapter 4."
ENV_LINE = "# Books listed per author on the author's page.\nLIBRARY_BOOKS_PER_AUTHOR=20\n"
SETTING = (
    "\n# Books listed per author on the author's page.\n"
    'LIBRARY_BOOKS_PER_AUTHOR = env.int("LIBRARY_BOOKS_PER_AUTHOR", default=20)\n'
)
ORDER_NOTE_FIELD = (
    "    # What customer service wrote about the order; never shown to the customer.\n"
    '    note = models.CharField(max_length=500, blank=True, default="")\n'
)
ORDER_NOTE_SERVICE = '''

@transaction.atomic
def order_note_set(*, order: Order, note: str) -> Order:
    """Record customer service's note on an order."""
    order.note = note
    order.full_clean()
    order.save(update_fields=["note", "updated_at"])
    logger.info("Note set on order %s", order.pk)
    return order
'''

ORDER_NOTE_MIGRATION = """from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "{previous}"),
    ]

    operations = [
        migrations.AddField(
            model_name="order",
            name="note",
            field=models.CharField(blank=True, default="", max_length=500),
        ),
    ]
"""

LIBRARY = {
    "__init__.py": "",
    "apps.py": '''from django.apps import AppConfig


class LibraryConfig(AppConfig):
    """Authors and their books."""

    name = "apps.library"
    label = "library"
''',
    "models.py": '''"""Authors and their books."""

from django.db import models

from common.models import BaseModel


class Author(BaseModel):
    """Someone who wrote books."""

    name = models.CharField(max_length=200, db_index=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        """Show the author's name."""
        return self.name


class Book(BaseModel):
    """A book, by one author; an author never has two books of the same title."""

    # CASCADE: an author's books mean nothing without the author, and go with it.
    author = models.ForeignKey(Author, on_delete=models.CASCADE, related_name="books")
    title = models.CharField(max_length=200, db_index=True)

    class Meta:
        ordering = ["title"]
        constraints = [
            models.UniqueConstraint(fields=["author", "title"], name="library_book_unique_title"),
        ]

    def __str__(self) -> str:
        """Show the title with its author."""
        return f"{self.title} ({self.author})"
''',
    "migrations/__init__.py": "",
    "migrations/0001_initial.py": """import uuid

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = []

    operations = [
        migrations.CreateModel(
            name="Author",
            fields=[
                (
                    "id",
                    models.UUIDField(
                        default=uuid.uuid4, editable=False, primary_key=True, serialize=False
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True, db_index=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                ("name", models.CharField(db_index=True, max_length=200)),
            ],
            options={
                "ordering": ["name"],
            },
        ),
        migrations.CreateModel(
            name="Book",
            fields=[
                (
                    "id",
                    models.UUIDField(
                        default=uuid.uuid4, editable=False, primary_key=True, serialize=False
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True, db_index=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                ("title", models.CharField(db_index=True, max_length=200)),
                (
                    "author",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="books",
                        to="library.author",
                    ),
                ),
            ],
            options={
                "ordering": ["title"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("author", "title"), name="library_book_unique_title"
                    )
                ],
            },
        ),
    ]
""",
    "migrations/0002_first_author.py": '''\
"""Every library starts with an anonymous author, for unsigned books."""

from django.db import migrations

NAME = "Anonymous"


def add_first_author(apps, schema_editor):
    apps.get_model("library", "Author").objects.get_or_create(name=NAME)


def remove_first_author(apps, schema_editor):
    apps.get_model("library", "Author").objects.filter(name=NAME, books=None).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("library", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(add_first_author, remove_first_author),
    ]
''',
    "selectors.py": '''"""Read queries for authors and books."""

from django.db.models import QuerySet

from apps.library.models import Author, Book


def book_list() -> QuerySet[Book]:
    """Return every book with its author, in title order."""
    return Book.objects.select_related("author")


def book_title_taken(*, author: Author, title: str) -> bool:
    """Tell whether ``author`` already has a book called ``title``."""
    return Book.objects.filter(author=author, title=title).exists()
''',
    "services.py": '''"""Writes for authors and books."""

from django.db import transaction

from apps.library.models import Author, Book
from apps.library.selectors import book_title_taken
from common.exceptions import ServiceError
from common.services import recheck_on_conflict


def _ensure_title_free(author: Author, title: str) -> None:
    if book_title_taken(author=author, title=title):
        raise ServiceError(
            "This author already has a book with this title.",
            code="title_taken",
            details={"title": title},
        )


@transaction.atomic
def book_create(*, author: Author, title: str) -> Book:
    """Add a book to an author's list; an author's titles are unique."""
    _ensure_title_free(author, title)
    book = Book(author=author, title=title)
    book.full_clean(validate_constraints=False)
    with recheck_on_conflict(check=lambda: _ensure_title_free(author, title)):
        book.save()
    return book
''',
    "serializers.py": '''"""How the API shows books."""

from rest_framework import serializers

from apps.library.models import Book


class BookSerializer(serializers.ModelSerializer):
    """A book with its author's name."""

    author = serializers.CharField(source="author.name", read_only=True)

    class Meta:
        model = Book
        fields = ["id", "title", "author", "created_at"]
        read_only_fields = fields
''',
    "filters.py": '''"""Query-string filters for the book list."""

import django_filters

from apps.library.models import Book
from common.filters import FilterSet


class BookFilter(FilterSet):
    """Filter books by title."""

    title = django_filters.CharFilter(field_name="title", lookup_expr="icontains")

    class Meta:
        model = Book
        fields = ["title"]
''',
    "views.py": '''"""The book list."""

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.permissions import IsAuthenticated

from apps.library.filters import BookFilter
from apps.library.models import Book
from apps.library.selectors import book_list
from apps.library.serializers import BookSerializer


@extend_schema_view(list=extend_schema(summary="List books", tags=["library"]))
class BookViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Every signed-in user reads the library."""

    permission_classes = [IsAuthenticated]
    serializer_class = BookSerializer
    filterset_class = BookFilter
    search_fields = ["title"]
    ordering_fields = ["title", "created_at"]
    ordering = ["title"]

    def get_queryset(self) -> QuerySet[Book]:
        """Return every book with its author."""
        return book_list()
''',
    "urls.py": """from rest_framework.routers import DefaultRouter

from apps.library.views import BookViewSet

router = DefaultRouter()
router.register("books", BookViewSet, basename="book")

urlpatterns = router.urls
""",
    "tests/__init__.py": "",
    "tests/factories.py": """import factory
from factory.django import DjangoModelFactory

from apps.library.models import Author, Book


class AuthorFactory(DjangoModelFactory):
    class Meta:
        model = Author

    name = factory.Faker("name")


class BookFactory(DjangoModelFactory):
    class Meta:
        model = Book

    author = factory.SubFactory(AuthorFactory)
    title = factory.Sequence(lambda n: f"Book {n}")
""",
    "tests/test_library.py": """import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from apps.library.models import Author, Book
from apps.library.services import book_create
from apps.library.tests.factories import AuthorFactory, BookFactory
from common.exceptions import ServiceError


@pytest.mark.django_db
def test_the_data_migration_added_the_anonymous_author() -> None:
    assert Author.objects.filter(name="Anonymous").exists()


@pytest.mark.django_db
def test_an_author_never_has_two_books_of_one_title() -> None:
    book = BookFactory(title="Emma")

    with pytest.raises(ServiceError) as excinfo:
        book_create(author=book.author, title="Emma")

    assert excinfo.value.code == "title_taken"
    assert book_create(author=AuthorFactory(), title="Emma").title == "Emma"


@pytest.mark.django_db
def test_deleting_an_author_deletes_the_books() -> None:
    book = BookFactory()

    book.author.delete()

    assert not Book.objects.filter(pk=book.pk).exists()


@pytest.mark.django_db
def test_book_list(api_client: APIClient, user: object) -> None:
    BookFactory(title="Persuasion")
    api_client.force_authenticate(user=user)

    response = api_client.get(reverse("v1:book-list"), {"title": "persu"})

    assert response.status_code == 200
    assert [book["title"] for book in response.data["results"]] == ["Persuasion"]
""",
}


def _insert_after(path: Path, anchor: str, text: str) -> None:
    content = path.read_text(encoding="utf-8")
    assert anchor in content, f"{path.name} no longer has {anchor!r}: update tests/user_work.py"
    path.write_text(content.replace(anchor, anchor + text, 1), encoding="utf-8")


def do_user_work(project: Path) -> None:
    """Add the library app and the user's edits to ``project``."""
    for relative, text in LIBRARY.items():
        path = project / "apps/library" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    migrations = sorted((project / "apps/orders/migrations").glob("0*.py"))
    number = int(migrations[-1].name[:4]) + 1
    (project / f"apps/orders/migrations/{number:04d}_order_note.py").write_text(
        ORDER_NOTE_MIGRATION.format(previous=migrations[-1].stem), encoding="utf-8"
    )
    _insert_after(
        project / "apps/orders/models.py",
        '        related_name="orders",\n    )\n',
        ORDER_NOTE_FIELD,
    )
    with (project / "apps/orders/services.py").open("a", encoding="utf-8") as services:
        services.write(ORDER_NOTE_SERVICE)
    base = project / "config/settings/base.py"
    _insert_after(base, '    "apps.orders",\n', '    "apps.library",\n')
    with base.open("a", encoding="utf-8") as settings:
        settings.write(SETTING)
    _insert_after(
        project / "config/urls.py",
        '    path("", include("apps.orders.urls")),\n',
        '    path("", include("apps.library.urls")),\n',
    )
    title, rest = (project / "README.md").read_text(encoding="utf-8").split("\n", 1)
    (project / "README.md").write_text(f"{title}\n\n{README_LINE}\n{rest}", encoding="utf-8")
    with (project / ".env.example").open("a", encoding="utf-8") as example:
        example.write(f"\n{ENV_LINE}")
