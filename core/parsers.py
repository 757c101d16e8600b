"""DRF's JSON parser, except that what no database can store is a client error, not a 500: a
document nested too deeply for Python, and NUL characters or lone surrogates in any string or key."""

import codecs
import io
import re

from rest_framework.exceptions import ErrorDetail, ParseError, ValidationError
from rest_framework.parsers import JSONParser, get_encoding

from core.input_hygiene import json_text_problems

# The only way a UTF-8 JSON document can hold a NUL or a lone surrogate: the JSON decoder refuses raw
# control characters, and UTF-8 has no encoding for a surrogate. A match may be a false alarm (an
# escaped backslash, ``\\u0000``, or a valid pair, as an emoji escaped by an ASCII-only encoder):
# then the walk finds nothing.
_UNSTORABLE_ESCAPE = re.compile(rb"\\u(?:0000|d[89a-f])", re.IGNORECASE)


class SafeJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        raw = stream.read()
        try:
            data = super().parse(io.BytesIO(raw), media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - document nested too deeply") from None
        if _may_hold_unstorable_text(raw, get_encoding(parser_context or {})):
            error = json_text_error(data)
            if error is not None:
                raise error
        return data


def json_text_error(data) -> ValidationError | None:
    """The answer to parsed JSON holding text no column can store, else None. Keyed by path, so
    each contract lists the problems as it lists any field's validation error."""
    problems = json_text_problems(data)
    if not problems:
        return None
    return ValidationError({p.path: [ErrorDetail(p.message, code=p.type)] for p in problems})


def _may_hold_unstorable_text(raw: bytes, encoding: str) -> bool:
    """Walking a parsed event costs four times its parse; most bodies hold no escape that could
    make an unstorable character, and the walk is skipped. Other encodings than UTF-8 are walked."""
    if codecs.lookup(encoding).name != "utf-8":
        return True
    return _UNSTORABLE_ESCAPE.search(raw) is not None
