"""Config templates render in Jinja2's sandbox; secrets are masked everywhere they would leak."""

import pytest

from runs.engine.rendering import MASK, TemplateRenderError, mask_secrets, render, template_context


@pytest.fixture
def context():
    return template_context(
        input={"amount": 29.99, "product": "Premium Plan"},
        steps={"http-1": {"output": {"status": 200, "body": {"id": 7}}}},
        credentials={"openai": "sk-secret-value-123"},
    )


def test_configs_render_input_steps_and_credentials(context):
    config = {
        "url": "https://api.example.com/orders/{{ steps['http-1'].output.body.id }}",
        "headers": {"Authorization": "Bearer {{ credentials.openai }}"},
        "body": "{{ input.product }} costs {{ input.amount }}",
        "json_body": {
            "status": "{{ steps.http_1.output.status }}",
            "keep": 5,
            "list": ["{{ input.product }}"],
        },
    }
    assert render(config, context) == {
        "url": "https://api.example.com/orders/7",
        "headers": {"Authorization": "Bearer sk-secret-value-123"},
        "body": "Premium Plan costs 29.99",
        "json_body": {"status": "200", "keep": 5, "list": ["Premium Plan"]},
    }


@pytest.mark.parametrize(
    "template",
    [
        "{{ input.missing }}",
        "{{ nope }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",  # the sandbox refuses dunder access
        "{{ input.amount",
    ],
)
def test_bad_or_unsafe_templates_are_a_clear_error(context, template):
    with pytest.raises(TemplateRenderError):
        render({"body": template}, context)


def test_secrets_are_masked_at_any_depth():
    secrets = ["sk-secret-value-123", "sk-secret"]
    logged = {
        "msg": "called with Bearer sk-secret-value-123",
        "headers": [{"Authorization": "sk-secret-value-123"}],
        "sk-secret-value-123": 1,
        "n": 5,
    }
    assert mask_secrets(logged, secrets) == {
        "msg": f"called with Bearer {MASK}",
        "headers": [{"Authorization": MASK}],
        MASK: 1,
        "n": 5,
    }
    assert mask_secrets("plain", []) == "plain"
