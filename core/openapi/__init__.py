"""What drf-spectacular cannot see in the views, added to the OpenAPI document in one place.

- ``envelopes``: each contract's error envelope as a named component;
- ``error_responses``: the error responses every operation answers, in its contract's envelope;
- ``path_ids``: the automation contract's path ids are UUIDs (checked by its views);
- ``form_bodies``: a form-encoded body only where a form can carry it;
- ``pydantic_models``: a pydantic validator as a request body, so the schema is the validator's.

The hooks are listed in ``SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]``; ``core.schema`` holds the
AutoSchema and the schema-only serializer fields.
"""
