"""The pagination class: page numbers with a capped page size."""

import pytest
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from common.pagination import INVALID_PAGE_SIZE, StandardPagination

ITEMS = list(range(250))


def paginate(query: str) -> tuple[list[int], StandardPagination]:
    paginator = StandardPagination()
    request = Request(APIRequestFactory().get(f"/items/{query}"))
    return paginator.paginate_queryset(ITEMS, request), paginator


def test_defaults_to_20_items() -> None:
    page, paginator = paginate("")

    data = paginator.get_paginated_response(page).data
    assert page == list(range(20))
    assert (data["count"], data["previous"]) == (250, None)
    assert data["next"].endswith("/items/?page=2")


@pytest.mark.parametrize(
    ("query", "expected"), [("?page=3&page_size=5", [10, 11, 12, 13, 14]), ("?page_size=1", [0])]
)
def test_client_chooses_the_page_and_its_size(query: str, expected: list[int]) -> None:
    assert paginate(query)[0] == expected


def test_page_size_is_capped_at_100() -> None:
    page, _ = paginate("?page_size=1000")

    assert len(page) == 100


@pytest.mark.parametrize("page_size", ["abc", "0", "-5", "2.5", "", "\u0663"])
def test_a_page_size_that_is_not_a_positive_integer_is_refused(page_size: str) -> None:
    with pytest.raises(ValidationError) as refused:
        paginate(f"?page_size={page_size}")

    assert refused.value.detail == {"page_size": [INVALID_PAGE_SIZE]}
