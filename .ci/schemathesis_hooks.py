"""Loaded by Schemathesis before it draws anything (``hooks`` in .ci/schemathesis.toml).

Python 3.11.7's ``ast.parse`` can raise ``SystemError: AST constructor recursion depth mismatch``
when it runs inside Hypothesis's draws (Hypothesis raises the recursion limit there). Hypothesis
parses the module that defines a strategy's lambdas the first time it describes that strategy,
which for Schemathesis' any-JSON-value strategy happens mid-draw; the run then reports a flaky
"Runtime Error" that is no finding about the API. Hypothesis caches each parsed module, but per
thread, and Schemathesis draws in worker threads: so the module is parsed once here, on the main
thread, into a cache every thread shares.
"""

import ast
import inspect

from hypothesis.internal import lambda_sources
from schemathesis.generation.jsonschema import strategy

_lines = tuple(inspect.findsource(strategy)[0])
lambda_sources.AST_LAMBDAS_CACHE = {_lines: lambda_sources.extract_all_lambdas(ast.parse("".join(_lines)))}
