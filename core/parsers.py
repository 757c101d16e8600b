"""DRF's JSON parser, except that what no database can store is a client error, not a 500: a
document nested too deeply for Python, and NUL characters or lone surrogates in any string or key."""

from rest_framework.exceptions import ErrorDetail, ParseError, ValidationError
from rest_framework.parsers import JSONParser

from core.input_hygiene import json_text_problems


class SafeJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - document nested too deeply") from None
        problems = json_text_problems(data)
        if problems:
            # Keyed by path, so each contract lists them as it lists any field's validation error.
            raise ValidationError({p.path: [ErrorDetail(p.message, code=p.type)] for p in problems})
        return data
