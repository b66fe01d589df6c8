"""List endpoints served from ``.values()`` rows, shaped by the endpoint's own serializer.

Running a serializer over a page of model instances builds an instance per row and per
related row, parses every column, and calls each field's ``get_attribute`` and
``to_representation`` per value. A list page only shows what its serializer declares, so
``ValuesListModelMixin`` reads those columns alone and converts them as the fields would:

- the serializer stays the one definition of a field: the plan (which columns, which
  conversion, in which order) is derived from its fields, once per serializer class and
  queryset shape, and cached;
- a field's ``source`` is a column (``"notes"``), a column across forward foreign keys
  (``"user.email"``: each row's own owner), a ``get_FOO_display`` of a field with choices,
  or an annotation of the view's queryset; a nested serializer is read from the same row
  (one-to-one and foreign keys) or, when ``many=True``, from one more query for the whole
  page, with the ``Prefetch`` queryset the view's queryset declares for that relation;
- values are converted by each field's own ``to_representation``, except where the result
  is known without calling it: text, integers and booleans as the database gives them,
  UUIDs as ``str``, decimals of a column with the field's decimal places as ``{:f}``.

A serializer with a field the plan cannot read from values (a ``SerializerMethodField``,
a related or file field, a property of the model) is served as DRF serves it, over model
instances: the list stays right, only its fast path is lost. ``ValuesPlan.for_queryset``
returns ``None`` then, which the tests of a list can assert against.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Context, Decimal, getcontext
from operator import itemgetter
from typing import Any, ClassVar

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import Prefetch, QuerySet
from django.db.models.constants import LOOKUP_SEP
from rest_framework import mixins, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings

Row = Sequence[Any]
Getter = Callable[[Row], Any]

# Fields whose ``to_representation`` needs only the value: no request, no instance.
PLAIN_FIELDS = (
    serializers.BooleanField,
    serializers.CharField,
    serializers.ChoiceField,
    serializers.DateField,
    serializers.DateTimeField,
    serializers.DecimalField,
    serializers.DurationField,
    serializers.FloatField,
    serializers.IntegerField,
    serializers.JSONField,
    serializers.TimeField,
    serializers.UUIDField,
)


class Unplannable(Exception):  # noqa: N818 (a signal, caught in this module)
    """A field the plan cannot read from values."""


@dataclass(frozen=True)
class _Source:
    """Where a field's value is in a ``.values_list()`` row, and whether it may be null."""

    path: str
    db_field: models.Field | None
    nullable: bool
    display: bool = False


def _resolve(model: type[models.Model], attrs: list[str], annotations: dict) -> _Source:
    """Return the column a field's ``source_attrs`` reads on ``model``."""
    if len(attrs) == 1 and attrs[0] in annotations:
        return _Source(
            attrs[0], getattr(annotations[attrs[0]], "output_field", None), nullable=True
        )
    path, nullable = [], False
    for position, attr in enumerate(attrs):
        last = position == len(attrs) - 1
        if last and attr.startswith("get_") and attr.endswith("_display"):
            attr = attr[len("get_") : -len("_display")]  # noqa: PLW2901
            display = True
        else:
            display = False
        try:
            field = model._meta.get_field(attr)
        except FieldDoesNotExist as exc:
            raise Unplannable(attr) from exc
        if not field.concrete or field.many_to_many:
            raise Unplannable(attr)
        path.append(field.name)
        if not last:
            if not field.is_relation:
                raise Unplannable(attr)
            # DRF skips a field whose source crosses a null relation: rows cannot say so.
            if field.null:
                raise Unplannable(attr)
            model = field.related_model
            continue
        if field.is_relation or (display and not field.choices):
            raise Unplannable(attr)
        nullable |= field.null
        return _Source(LOOKUP_SEP.join(path), field, nullable=nullable, display=display)
    raise Unplannable(".".join(attrs))


def _converter(field: serializers.Field, source: _Source) -> Callable[[Any], Any] | None:
    """Return how a column's value becomes the field's representation (None: as it is)."""
    if source.display:
        labels = {value: str(label) for value, label in source.db_field.flatchoices}
        return lambda value: labels.get(value, value)
    fast = FAST_CONVERTERS.get(type(field).to_representation)
    convert = fast(field, source.db_field) if fast is not None else None
    if convert is AS_IS:
        return None
    return convert or field.to_representation


def _as_is_text(field: serializers.Field, db_field: models.Field | None) -> object:
    # DRF's ``str(value)`` of a string.
    return AS_IS if isinstance(db_field, models.CharField | models.TextField) else None


def _as_is_integer(field: serializers.Field, db_field: models.Field | None) -> object:
    # DRF's ``int(value)`` of an integer.
    return AS_IS if isinstance(db_field, models.IntegerField) else None


def _as_is_boolean(field: serializers.Field, db_field: models.Field | None) -> object:
    # DRF's mapping of truthy values, of a boolean.
    return AS_IS if isinstance(db_field, models.BooleanField) else None


def _choice(field: serializers.ChoiceField, db_field: models.Field | None) -> object:
    if not isinstance(db_field, models.CharField | models.TextField):
        return None
    # DRF gives back the choice's value for the string of a known one, else the value.
    strings = dict(field.choice_strings_to_values)
    return lambda value: strings.get(value, value)


def _uuid(field: serializers.UUIDField, db_field: models.Field | None) -> object:
    return str if field.uuid_format == "hex_verbose" else None


def _decimal(field: serializers.DecimalField, db_field: models.Field | None) -> object:
    coerce = getattr(field, "coerce_to_string", api_settings.COERCE_DECIMAL_TO_STRING)
    if not coerce or field.localize or field.decimal_places is None:
        return None
    if (
        isinstance(db_field, models.DecimalField)
        and getattr(db_field, "model", None) is not None
        and db_field.decimal_places == field.decimal_places
    ):
        # A model's column holds exactly the field's decimal places: quantizing is a no-op.
        return "{:f}".format
    # An expression's value may have more (SQLite): quantize as DRF does, its context once.
    quantum = Decimal(1).scaleb(-field.decimal_places)
    context = Context(prec=field.max_digits, rounding=field.rounding or getcontext().rounding)
    return lambda value: f"{value.quantize(quantum, context=context):f}"


# A value the database gives that is already the field's representation.
AS_IS = object()
# Where DRF's own ``to_representation`` is known to give a result that needs no call.
FAST_CONVERTERS: dict[Callable, Callable[[Any, models.Field | None], object]] = {
    serializers.CharField.to_representation: _as_is_text,
    serializers.IntegerField.to_representation: _as_is_integer,
    serializers.BooleanField.to_representation: _as_is_boolean,
    serializers.ChoiceField.to_representation: _choice,
    serializers.UUIDField.to_representation: _uuid,
    serializers.DecimalField.to_representation: _decimal,
}


@dataclass(frozen=True)
class _Many:
    """A nested ``many=True`` serializer: its rows, read in one query for the page."""

    relation: models.ManyToOneRel
    plan: "ValuesPlan"


@dataclass
class ValuesPlan:
    """How to read and represent the rows of one serializer over one queryset shape.

    ``columns`` are the ``.values_list()`` paths: the key of the parent row first for a
    nested list, then the primary key, then what the fields read. ``fields`` are the
    serializer's fields in order, each a name and a getter of its value from a row, or a
    ``_Many`` for a nested list, whose rows depend on the page.
    """

    queryset: QuerySet
    parent: str
    columns: list[str]
    fields: list[tuple[str, Getter | _Many]]

    _cache: ClassVar[dict[tuple, "ValuesPlan | None"]] = {}

    @classmethod
    def for_queryset(
        cls, serializer_class: type[serializers.BaseSerializer], queryset: QuerySet
    ) -> "ValuesPlan | None":
        """Return the cached plan of ``serializer_class`` over ``queryset``, or ``None``."""
        key = (serializer_class, _shape(queryset))
        if key not in cls._cache:
            try:
                cls._cache[key] = cls.build(serializer_class(), queryset)
            except Unplannable:
                cls._cache[key] = None
        return cls._cache[key]

    @classmethod
    def build(
        cls, serializer: serializers.BaseSerializer, queryset: QuerySet, parent: str = ""
    ) -> "ValuesPlan":
        """Derive the plan from the serializer's fields; raise ``Unplannable`` if it has none.

        ``parent`` names the column that keys a nested list's rows by their parent row.
        """
        if not isinstance(serializer, serializers.Serializer):
            raise Unplannable(type(serializer).__name__)
        pk = queryset.model._meta.pk.attname
        plan = cls(queryset, parent, [parent, pk] if parent else [pk], [])
        prefetches = {
            lookup.prefetch_to: lookup.queryset
            for lookup in queryset._prefetch_related_lookups  # noqa: SLF001
            if isinstance(lookup, Prefetch)
        }
        plan.fields = plan._fields(serializer, [], dict(queryset.query.annotations), prefetches)
        return plan

    @property
    def model(self) -> type[models.Model]:
        """The model whose rows the plan reads."""
        return self.queryset.model

    def _column(self, path: str) -> int:
        if path not in self.columns:
            self.columns.append(path)
        return self.columns.index(path)

    def _fields(
        self,
        serializer: serializers.Serializer,
        prefix: list[str],
        annotations: dict[str, Any],
        prefetches: dict[str, QuerySet | None],
    ) -> list[tuple[str, Getter | _Many]]:
        fields: list[tuple[str, Getter | _Many]] = []
        for name, field in serializer.fields.items():
            if field.write_only:
                continue
            if field.source == "*":
                raise Unplannable(name)
            attrs = prefix + field.source_attrs
            if isinstance(field, serializers.ListSerializer) and not prefix:
                fields.append((name, self._many(field, attrs[0], prefetches)))
            elif isinstance(field, serializers.Serializer):
                key = _relation_key(self.model, attrs)
                nested = self._fields(field, attrs, {}, {})
                getter = _nested_getter(self._column(key.path), nested, nullable=key.nullable)
                fields.append((name, getter))
            elif isinstance(field, PLAIN_FIELDS):
                source = _resolve(self.model, attrs, annotations if not prefix else {})
                index = self._column(source.path)
                getter = _getter(index, _converter(field, source), nullable=source.nullable)
                fields.append((name, getter))
            else:
                raise Unplannable(name)
        return fields

    def _many(
        self,
        field: serializers.ListSerializer,
        name: str,
        prefetches: dict[str, QuerySet | None],
    ) -> _Many:
        try:
            relation = self.model._meta.get_field(name)
        except FieldDoesNotExist as exc:
            raise Unplannable(name) from exc
        if not relation.one_to_many or relation.concrete:
            raise Unplannable(name)
        queryset = prefetches.get(name)
        if queryset is None:
            queryset = relation.related_model._default_manager.all()
        return _Many(relation, ValuesPlan.build(field.child, queryset, relation.field.attname))

    def represent(self, queryset: QuerySet) -> list[dict[str, Any]]:
        """Read ``queryset``'s rows of this plan and return their representation."""
        rows = list(queryset.prefetch_related(None).values_list(*self.columns))
        return self.represent_rows(rows)

    def represent_rows(self, rows: list[Row]) -> list[dict[str, Any]]:
        """Return the representation of rows read with ``columns``, nested lists included."""
        id_index = 1 if self.parent else 0
        fields = [
            (name, self._children(getter, [row[id_index] for row in rows], id_index))
            if isinstance(getter, _Many)
            else (name, getter)
            for name, getter in self.fields
        ]
        return [{name: getter(row) for name, getter in fields} for row in rows]

    @staticmethod
    def _children(many: _Many, parent_ids: list[Any], id_index: int) -> Getter:
        """Read the nested rows of the page in one query; return the getter of a row's list."""
        by_parent: dict[Any, list[dict[str, Any]]] = {}
        if parent_ids:
            plan = many.plan
            children = plan.queryset.filter(**{f"{many.relation.field.name}__in": parent_ids})
            rows = list(children.prefetch_related(None).values_list(*plan.columns))
            for row, child in zip(rows, plan.represent_rows(rows), strict=True):
                by_parent.setdefault(row[0], []).append(child)
        empty: list[dict[str, Any]] = []
        return lambda row: by_parent.get(row[id_index], empty)


def _shape(queryset: QuerySet) -> tuple:
    """Return what a plan depends on in a queryset: its model, annotations and prefetches."""
    prefetches = tuple(
        (lookup.prefetch_to, None if lookup.queryset is None else _shape(lookup.queryset))
        for lookup in queryset._prefetch_related_lookups  # noqa: SLF001
        if isinstance(lookup, Prefetch)
    )
    return (queryset.model, tuple(queryset.query.annotations), prefetches)


def _relation_key(model: type[models.Model], attrs: list[str]) -> _Source:
    """Return the key column of a nested serializer's forward relation (null: no object)."""
    path, nullable = [], False
    for attr in attrs:
        try:
            field = model._meta.get_field(attr)
        except FieldDoesNotExist as exc:
            raise Unplannable(attr) from exc
        if not (field.many_to_one or field.one_to_one) or not field.concrete:
            raise Unplannable(attr)
        path.append(field.name)
        nullable |= field.null
        model = field.related_model
    return _Source(LOOKUP_SEP.join([*path, model._meta.pk.name]), None, nullable=nullable)


def _getter(index: int, convert: Callable[[Any], Any] | None, *, nullable: bool) -> Getter:
    """Return the getter of one column's value, converted (``None`` stays ``None``)."""
    if convert is None:
        return itemgetter(index)
    if nullable:
        return lambda row: None if row[index] is None else convert(row[index])
    return lambda row: convert(row[index])


def _nested_getter(
    key_index: int, fields: list[tuple[str, Getter | _Many]], *, nullable: bool
) -> Getter:
    """Return the getter of a nested object read from the same row; ``None`` if it has none."""
    if nullable:
        return lambda row: (
            None if row[key_index] is None else {name: get(row) for name, get in fields}
        )
    return lambda row: {name: get(row) for name, get in fields}


class _PlannedRows:
    """A queryset as the paginator sees it: counted as it is, a slice read with the plan.

    The count runs on the view's queryset, so the joins the plan's columns add (an owner's
    e-mail, a product's name) stay out of it; the page is one query plus one per nested list.
    """

    def __init__(self, queryset: QuerySet, plan: ValuesPlan) -> None:
        self.queryset = queryset
        self.plan = plan
        self.ordered = queryset.ordered

    def count(self) -> int:
        return self.queryset.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index: slice) -> list[dict[str, Any]]:
        return self.plan.represent(self.queryset[index])


class ValuesListModelMixin(mixins.ListModelMixin):
    """List with the serializer's representation, read from values (see the module).

    Filters, ordering, search and pagination apply to the view's queryset as they do
    for ``ListModelMixin``; a serializer the plan cannot read falls back to it.
    """

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Filter, paginate and represent the page from values."""
        queryset = self.filter_queryset(self.get_queryset())
        plan = ValuesPlan.for_queryset(self.get_serializer_class(), queryset)
        if plan is None:
            page = self.paginate_queryset(queryset)
            if page is None:
                return Response(self.get_serializer(queryset, many=True).data)
            return self.get_paginated_response(self.get_serializer(page, many=True).data)
        rows = _PlannedRows(queryset, plan)
        if self.paginator is None:
            return Response(rows[:])
        return self.get_paginated_response(self.paginate_queryset(rows))
