"""CSV for the lists researchers download: `?format=csv` on a list endpoint.

One row per record of the current page, one column per serializer field in the
serializer's order; a nested object becomes dotted columns (`time.at`), a list
of plain values is joined with "; " and a list of objects is written as JSON.
Cells a spreadsheet would run as a formula are prefixed with a quote.
"""

import csv
import io
import json

from rest_framework.renderers import BaseRenderer

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _flatten(value, prefix, out):
    if isinstance(value, dict):
        for key, item in value.items():
            _flatten(item, f"{prefix}.{key}" if prefix else str(key), out)
    elif isinstance(value, list):
        if all(not isinstance(item, dict | list) for item in value):
            out[prefix] = "; ".join("" if item is None else str(item) for item in value)
        else:
            out[prefix] = json.dumps(value, ensure_ascii=False, sort_keys=True)
    else:
        out[prefix] = value


def csv_cell(value):
    """One CSV cell: numbers stay numbers (a negative figure is not a formula), booleans are true/false,
    and text a spreadsheet would run as a formula (=, +, -, @, tab, CR first) is prefixed with a quote.
    Every CSV the project writes (the API's, /compare.csv, the downloads) goes through it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


_cell = csv_cell


class CSVRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        if isinstance(data, dict) and "results" in data:
            rows = data["results"]
        elif isinstance(data, dict) and "errors" in data:
            rows = data["errors"]
        else:
            rows = data if isinstance(data, list) else [data]
        flat = []
        for row in rows:
            out = {}
            _flatten(row, "", out)
            flat.append(out)
        header = []
        for row in flat:
            header.extend(key for key in row if key not in header)
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(header)
        for row in flat:
            writer.writerow([_cell(row.get(key)) for key in header])
        return buffer.getvalue().encode(self.charset)
