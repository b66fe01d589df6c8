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
- values are converted a column at a time, by each field's own ``to_representation``
  except where the result is known without calling it: text, integers and booleans as
  the database gives them, UUIDs as ``str``, decimals of a column with the field's
  decimal places as ``{:f}``, timestamps in the current time zone (looked up once per
  column, not per value) as ISO 8601. A page's dictionaries are then built in C
  (``dict(zip(names, values))``): no Python call per value but the conversions.

A serializer with a field the plan cannot read from values (a ``SerializerMethodField``,
a related or file field, a property of the model) is served as DRF serves it, over model
instances: the list stays right, only its fast path is lost. ``ValuesPlan.for_queryset``
returns ``None`` then, which the tests of a list can assert against.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Context, Decimal, getcontext
from itertools import repeat
from typing import Any, ClassVar

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import Prefetch, QuerySet
from django.db.models.constants import LOOKUP_SEP
from rest_framework import ISO_8601, mixins, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings

Column = Sequence[Any]
# Turns a page's column of database values into the field's representations.
ColumnConverter = Callable[[Column], Column]

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
TEXT_COLUMNS = (models.CharField, models.TextField)


class Unplannable(Exception):  # noqa: N818 (a signal, caught in this module)
    """A field the plan cannot read from values."""


@dataclass(frozen=True)
class _Source:
    """The column a field reads, its model field (or expression's), and if it may be null."""

    path: str
    db_field: models.Field | None
    nullable: bool
    display: bool = False


@dataclass(frozen=True)
class _Value:
    """A field read from one column of the row."""

    index: int
    convert: ColumnConverter | None


@dataclass(frozen=True)
class _Nested:
    """A nested serializer read from the same row (a forward relation); ``None`` if unset."""

    key: int
    nullable: bool
    names: tuple[str, ...]
    fields: tuple["_Value | _Nested", ...]


@dataclass(frozen=True)
class _Many:
    """A nested ``many=True`` serializer: its rows, read in one query for the page."""

    name: str
    relation: models.ManyToOneRel
    plan: "ValuesPlan"


def _resolve(model: type[models.Model], attrs: list[str], annotations: dict) -> _Source:
    """Return the column a field's ``source_attrs`` reads on ``model``."""
    if len(attrs) == 1 and attrs[0] in annotations:
        output_field = getattr(annotations[attrs[0]], "output_field", None)
        return _Source(attrs[0], output_field, nullable=True)
    *relations, last = attrs
    path, model, nullable = _follow(model, relations)
    display = last.startswith("get_") and last.endswith("_display")
    name = last[len("get_") : -len("_display")] if display else last
    try:
        db_field = model._meta.get_field(name)
    except FieldDoesNotExist as exc:
        raise Unplannable(last) from exc
    if not db_field.concrete or db_field.is_relation or (display and not db_field.choices):
        raise Unplannable(last)
    path = LOOKUP_SEP.join([*path, db_field.name])
    return _Source(path, db_field, nullable=nullable or db_field.null, display=display)


def _follow(
    model: type[models.Model], relations: list[str]
) -> tuple[list[str], type[models.Model], bool]:
    """Follow forward relations from ``model``; return the path, the model, if it may be null."""
    path, nullable = [], False
    for name in relations:
        try:
            relation = model._meta.get_field(name)
        except FieldDoesNotExist as exc:
            raise Unplannable(name) from exc
        if not relation.concrete or not (relation.many_to_one or relation.one_to_one):
            raise Unplannable(name)
        path.append(relation.name)
        nullable |= relation.null
        model = relation.related_model
    return path, model, nullable


def _converter(field: serializers.Field, source: _Source) -> ColumnConverter | None:
    """Return how a column becomes the field's representations (``None``: as it is)."""
    if source.display:
        labels = {value: str(label) for value, label in source.db_field.flatchoices}
        # As ``get_FOO_display``: an unknown value shows as itself.
        return lambda column: list(map(labels.get, column, column))
    if isinstance(field, serializers.DateTimeField):
        return _datetimes(field)
    fast = FAST_CONVERTERS.get(type(field).to_representation)
    convert = fast(field, source.db_field) if fast is not None else None
    if convert is AS_IS:
        return None
    return _each(convert or field.to_representation, nullable=source.nullable)


def _each(convert: Callable[[Any], Any], *, nullable: bool) -> ColumnConverter:
    """Return the column converter that applies ``convert`` to each value but ``None``."""
    if nullable:
        return lambda column: [None if value is None else convert(value) for value in column]
    return lambda column: list(map(convert, column))


def _datetimes(field: serializers.DateTimeField) -> ColumnConverter:
    """Return DRF's representation of aware timestamps, its settings read once per column."""

    def convert(column: Column) -> Column:
        output_format = getattr(field, "format", api_settings.DATETIME_FORMAT)
        zone = field.timezone if hasattr(field, "timezone") else field.default_timezone()
        if output_format is None or output_format.lower() != ISO_8601 or zone is None:
            return [None if value is None else field.to_representation(value) for value in column]
        shown = []
        for value in column:
            if value is None or value.tzinfo is None:
                shown.append(None if value is None else field.to_representation(value))
                continue
            text = value.astimezone(zone).isoformat()
            shown.append(text[:-6] + "Z" if text.endswith("+00:00") else text)
        return shown

    return convert


def _as_is_text(field: serializers.Field, db_field: models.Field | None) -> object:
    # DRF's ``str(value)`` of a string.
    return AS_IS if isinstance(db_field, TEXT_COLUMNS) else None


def _as_is_integer(field: serializers.Field, db_field: models.Field | None) -> object:
    # DRF's ``int(value)`` of an integer.
    return AS_IS if isinstance(db_field, models.IntegerField) else None


def _as_is_boolean(field: serializers.Field, db_field: models.Field | None) -> object:
    # DRF's mapping of truthy values, of a boolean.
    return AS_IS if isinstance(db_field, models.BooleanField) else None


def _choice(field: serializers.ChoiceField, db_field: models.Field | None) -> object:
    if not isinstance(db_field, TEXT_COLUMNS):
        return None
    # DRF gives back the choice's value for the string of a known one, else the value.
    return lambda value: field.choice_strings_to_values.get(value, value)


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


@dataclass
class ValuesPlan:
    """How to read and represent the rows of one serializer over one queryset shape.

    ``columns`` are the ``.values_list()`` paths: the key of the parent row first for a
    nested list (``parent``), then the primary key, then what the fields read. ``names``
    and ``fields`` are the serializer's fields, in its order.
    """

    model: type[models.Model]
    parent: str
    columns: list[str]
    names: tuple[str, ...] = ()
    fields: tuple[_Value | _Nested | _Many, ...] = ()
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
        plan = cls(queryset.model, parent, [parent, pk] if parent else [pk])
        annotations = dict(queryset.query.annotations)
        plan.names, plan.fields = plan._fields(serializer, [], annotations, _prefetches(queryset))
        return plan

    def _column(self, path: str) -> int:
        if path not in self.columns:
            self.columns.append(path)
        return self.columns.index(path)

    def _fields(
        self,
        serializer: serializers.Serializer,
        prefix: list[str],
        annotations: dict[str, Any],
        prefetches: dict[str, QuerySet],
    ) -> tuple[tuple[str, ...], tuple[_Value | _Nested | _Many, ...]]:
        names, fields = [], []
        for name, serializer_field in serializer.fields.items():
            if serializer_field.write_only:
                continue
            if serializer_field.source == "*":
                raise Unplannable(name)
            names.append(name)
            fields.append(self._field(serializer_field, prefix, annotations, prefetches))
        return tuple(names), tuple(fields)

    def _field(
        self,
        serializer_field: serializers.Field,
        prefix: list[str],
        annotations: dict[str, Any],
        prefetches: dict[str, QuerySet],
    ) -> _Value | _Nested | _Many:
        attrs = prefix + serializer_field.source_attrs
        if len(serializer_field.source_attrs) > 1 and not serializer_field.allow_null:
            # DRF leaves the field out of a row whose relation on the way is null: a row of
            # values cannot say so.
            _, model, _ = _follow(self.model, prefix)
            if _follow(model, serializer_field.source_attrs[:-1])[2]:
                raise Unplannable(serializer_field.field_name)
        if isinstance(serializer_field, serializers.ListSerializer) and not prefix:
            return self._many(serializer_field, attrs, prefetches)
        if isinstance(serializer_field, serializers.Serializer):
            path, model, nullable = _follow(self.model, attrs)
            key = self._column(LOOKUP_SEP.join([*path, model._meta.pk.name]))
            names, fields = self._fields(serializer_field, attrs, {}, {})
            return _Nested(key, nullable, names, fields)
        if (
            isinstance(serializer_field, serializers.PrimaryKeyRelatedField)
            and serializer_field.pk_field is None
        ):
            # DRF shows the related object's primary key, as the key column holds it.
            path, model, _ = _follow(self.model, attrs)
            return _Value(self._column(LOOKUP_SEP.join([*path, model._meta.pk.name])), None)
        if isinstance(serializer_field, PLAIN_FIELDS):
            source = _resolve(self.model, attrs, annotations if not prefix else {})
            return _Value(self._column(source.path), _converter(serializer_field, source))
        raise Unplannable(serializer_field.field_name)

    def _many(
        self,
        serializer_field: serializers.ListSerializer,
        attrs: list[str],
        prefetches: dict[str, QuerySet],
    ) -> _Many:
        # The source of a reverse relation is its accessor (``items``, ``permission_set``).
        relation = next(
            (
                rel
                for rel in self.model._meta.related_objects
                if rel.get_accessor_name() == attrs[0]
            ),
            None,
        )
        if relation is None or len(attrs) != 1 or not relation.one_to_many:
            raise Unplannable(attrs[0])
        queryset = prefetches.get(attrs[0], relation.related_model._default_manager.all())
        child = ValuesPlan.build(serializer_field.child, queryset, relation.field.attname)
        return _Many(attrs[0], relation, child)

    def represent(self, queryset: QuerySet) -> list[dict[str, Any]]:
        """Read ``queryset``'s rows of this plan and return their representation.

        Nested lists are read from the ``Prefetch`` querysets of ``queryset`` itself (the
        plan keeps none: they may differ by request, such as one user's rows).
        """
        rows = queryset.prefetch_related(None).values_list(*self.columns)
        return self.represent_rows(rows, _prefetches(queryset))

    def represent_rows(
        self, rows: Sequence[Sequence[Any]], prefetches: dict[str, QuerySet]
    ) -> list[dict[str, Any]]:
        """Return the representation of rows read with ``columns``, nested lists included."""
        columns = list(zip(*rows, strict=True))
        if not columns:
            return []
        values = [self._values(spec, columns, prefetches) for spec in self.fields]
        return _dicts(self.names, values)

    def _values(
        self, spec: _Value | _Nested | _Many, columns: list[Column], prefetches: dict[str, QuerySet]
    ) -> Column:
        """Return the representations of one field for every row of the page."""
        if isinstance(spec, _Value):
            column = columns[spec.index]
            return column if spec.convert is None else spec.convert(column)
        if isinstance(spec, _Nested):
            values = [self._values(field, columns, prefetches) for field in spec.fields]
            nested = _dicts(spec.names, values)
            if not spec.nullable:
                return nested
            keys = columns[spec.key]
            return [None if key is None else obj for key, obj in zip(keys, nested, strict=True)]
        parent_ids = columns[1 if self.parent else 0]
        queryset = prefetches.get(spec.name)
        if queryset is None:
            queryset = spec.relation.related_model._default_manager.all()
        return self._children(spec, queryset, parent_ids)

    @staticmethod
    def _children(many: _Many, queryset: QuerySet, parent_ids: Column) -> Column:
        """Read the nested rows of the page in one query; return each parent row's list."""
        plan = many.plan
        children = queryset.filter(**{f"{many.relation.field.name}__in": parent_ids})
        rows = list(children.prefetch_related(None).values_list(*plan.columns))
        by_parent: dict[Any, list[dict[str, Any]]] = {}
        shown = plan.represent_rows(rows, _prefetches(queryset))
        for row, child in zip(rows, shown, strict=True):
            by_parent.setdefault(row[0], []).append(child)
        return [by_parent.get(parent_id, []) for parent_id in parent_ids]


def _dicts(names: tuple[str, ...], values: list[Column]) -> list[dict[str, Any]]:
    """Return one dictionary per row from the columns of values, built without Python calls."""
    return list(map(dict, map(zip, repeat(names), zip(*values, strict=True))))


def _prefetches(queryset: QuerySet) -> dict[str, QuerySet]:
    """Return the querysets of ``queryset``'s ``Prefetch`` lookups, by relation."""
    return {
        lookup.prefetch_to: lookup.queryset
        # Django keeps a queryset's prefetches in this attribute only, with no accessor.
        for lookup in queryset._prefetch_related_lookups  # noqa: SLF001
        if isinstance(lookup, Prefetch) and lookup.queryset is not None
    }


def _shape(queryset: QuerySet) -> tuple:
    """Return what a plan depends on in a queryset: its model, annotations and prefetches."""
    prefetches = tuple(
        (lookup.prefetch_to, None if lookup.queryset is None else _shape(lookup.queryset))
        for lookup in queryset._prefetch_related_lookups  # noqa: SLF001
        if isinstance(lookup, Prefetch)
    )
    return (queryset.model, tuple(queryset.query.annotations), prefetches)


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
        """Count the view's queryset."""
        return self.queryset.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index: slice) -> list[dict[str, Any]]:
        return self.plan.represent(self.queryset[index])


class ValuesListModelMixin(mixins.ListModelMixin):
    """List with the serializer's representation, read from values (see the module).

    Filters, ordering, search and pagination apply to the view's queryset as they do
    for ``ListModelMixin``; a serializer the plan cannot read is run as DRF runs it.
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
