from rest_framework.pagination import PageNumberPagination


class BoundedPageNumberPagination(PageNumberPagination):
    """Page-number pagination whose page size a caller may choose, up to a bound."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
