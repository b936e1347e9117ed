"""A paginator whose count costs the same whatever the number of rows.

Django's Paginator counts every matching row (a COUNT(*) over all public incidents on
each request) and lets a client ask for any page, so the cost of a page grows with the
data and with the page number (an OFFSET of 6,000 sorts 6,000 rows). This one counts at
most `limit` rows, unordered, and serves the pages within them: past the limit a page
says there are more and asks for a narrower search; the downloads hold everything.
"""

from django.core.paginator import Paginator
from django.utils.functional import cached_property


class BoundedPaginator(Paginator):
    limit = 1000

    def __init__(self, object_list, per_page, *, limit=None, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        if limit is not None:
            self.limit = limit

    @cached_property
    def counted(self):
        """How many rows match, up to one past the limit: COUNT(*) over at most limit + 1 rows."""
        rows = self.object_list
        if hasattr(rows, "order_by"):
            rows = rows.order_by()  # the count does not depend on the order, and a sort would read every row
        return rows[: self.limit + 1].count() if hasattr(rows, "count") else len(rows[: self.limit + 1])

    @cached_property
    def count(self):
        return min(self.counted, self.limit)

    @property
    def capped(self):
        """True when more rows match than the pages reach."""
        return self.counted > self.limit
