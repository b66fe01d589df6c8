"""The pagination class: page numbers with a capped page size."""

import pytest
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from common.pagination import INVALID_PAGE_SIZE, StandardPagination

factory = APIRequestFactory()


def get(url: str) -> Request:
    return Request(factory.get(url))


class TestStandardPagination:
    items = list(range(250))

    def test_defaults_to_20_items(self) -> None:
        paginator = StandardPagination()

        page = paginator.paginate_queryset(self.items, get("/items/"))
        response = paginator.get_paginated_response(page)

        assert page == list(range(20))
        assert response.data["count"] == 250
        assert response.data["previous"] is None
        assert response.data["next"].endswith("/items/?page=2")

    def test_client_chooses_the_page_and_its_size(self) -> None:
        paginator = StandardPagination()

        page = paginator.paginate_queryset(self.items, get("/items/?page=3&page_size=5"))

        assert page == [10, 11, 12, 13, 14]

    def test_a_page_of_one_item_may_be_asked_for(self) -> None:
        paginator = StandardPagination()

        page = paginator.paginate_queryset(self.items, get("/items/?page_size=1"))

        assert page == [0]

    def test_page_size_is_capped_at_100(self) -> None:
        paginator = StandardPagination()

        page = paginator.paginate_queryset(self.items, get("/items/?page_size=1000"))

        assert len(page) == 100

    @pytest.mark.parametrize("page_size", ["abc", "0", "-5", "2.5", "", "\u0663"])
    def test_a_page_size_that_is_not_a_positive_integer_is_refused(self, page_size: str) -> None:
        paginator = StandardPagination()

        with pytest.raises(ValidationError) as refused:
            paginator.paginate_queryset(self.items, get(f"/items/?page_size={page_size}"))

        assert refused.value.detail == {"page_size": [INVALID_PAGE_SIZE]}
