"""The API's JSON parser: what json.loads accepts but the database or the reader cannot take is refused
here, with its path (issue 14, output encoding): a NUL character (PostgreSQL refuses it in text), a
lone surrogate (not encodable as UTF-8), nesting deeper than any document of ours, or nesting deep
enough to exhaust Python's stack. Each is a 400 in the API's error format, never a 500."""

import json
import re

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from disclosure.errors import LocatedError, Problem, json_path

MAX_DEPTH = 32  # a bundle is about 8 deep
_FORBIDDEN = re.compile("[\x00\ud800-\udfff]")


def _problems(value, parts=(), depth=0):
    if depth > MAX_DEPTH:
        yield Problem(json_path(parts), f"Nested deeper than {MAX_DEPTH} levels.")
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if _FORBIDDEN.search(key):
                yield Problem(json_path(parts), "A key holds a NUL character or a lone surrogate.")
            else:
                yield from _problems(item, (*parts, key), depth + 1)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _problems(item, (*parts, i), depth + 1)
    elif isinstance(value, str) and _FORBIDDEN.search(value):
        yield Problem(json_path(parts), "Text may not hold a NUL character (\\u0000) or a lone surrogate.")


class SafeJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            data = json.loads(stream.read().decode(encoding))
        except RecursionError as exc:
            raise ParseError("JSON parse error: nested too deeply.") from exc
        except (ValueError, UnicodeDecodeError) as exc:
            raise ParseError(f"JSON parse error: {exc}") from exc
        problems = []
        for problem in _problems(data):
            problems.append(problem)
            if len(problems) == 20:  # enough to fix the document by; the rest would be the same
                break
        if problems:
            raise LocatedError(problems)
        return data
