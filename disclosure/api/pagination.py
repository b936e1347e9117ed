from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

from disclosure.pagination import BoundedPaginator


class ApiPaginator(BoundedPaginator):
    # 200 pages of 50: every page costs about the same, and a count never reads more rows than
    # this. Beyond, a caller narrows the filters or takes the downloads, which hold everything.
    limit = 10_000


class BoundedPageNumberPagination(PageNumberPagination):
    """Page-number pagination whose page size a caller may choose, up to a bound.

    A page size that is not a whole number from 1 to `max_page_size` is refused
    with 400 rather than silently replaced, so a script learns of its mistake; a
    page past the last is 404.
    """

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    django_paginator_class = ApiPaginator

    def get_paginated_response(self, data):
        return Response(
            {
                "count": self.page.paginator.count,
                # True when more rows match than the pages reach (`count` is then the limit)
                "capped": self.page.paginator.capped,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        schema = super().get_paginated_response_schema(schema)
        schema["properties"]["capped"] = {
            "type": "boolean",
            "description": f"True when more than {ApiPaginator.limit:,} records match: narrow the filters.",
        }
        return schema

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None or raw == "":
            return self.page_size
        try:
            value = int(raw)
        except ValueError:
            value = 0
        if not 1 <= value <= self.max_page_size:
            raise ValidationError(
                {self.page_size_query_param: f"A page size is a whole number from 1 to {self.max_page_size}."}
            )
        return value

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"]["maximum"] = self.max_page_size
        return parameters
