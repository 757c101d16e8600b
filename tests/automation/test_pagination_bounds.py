"""Every page/limit of the automation lists goes through one bounded parser: a page number
no database integer can hold, or digits other than 0-9, is the contract's 400, never a 500."""

import pytest

from core.pagination import OFFSET_MAX, page_number_max
from tests.automation.conftest import rule_body

RULES = "/api/v1/automation/rules"
HUGE = "9223372036854775808"


def lists(client):
    rule_id = client.post(RULES, rule_body(), format="json").json()["data"]["rule_id"]
    return [RULES, "/api/v1/automation/executions", f"{RULES}/{rule_id}/executions"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "name", "bound"),
    [
        ({"page": HUGE}, "page", page_number_max(100)),
        ({"page": "-" + HUGE}, "page", page_number_max(100)),
        ({"page": "9" * 5000}, "page", page_number_max(100)),  # beyond int()'s digit limit
        ({"page": "²"}, "page", page_number_max(100)),
        ({"limit": "\u0661\u0660"}, "limit", 100),  # Arabic-Indic digits: int() would read 10
        ({"limit": " 10"}, "limit", 100),
        ({"limit": HUGE}, "limit", 100),
    ],
)
def test_out_of_bounds_pages_are_the_contract_s_400(keyed_client, query, name, bound):
    for url in lists(keyed_client):
        response = keyed_client.get(url, query)
        assert response.status_code == 400, (url, response.content)
        assert response.json() == {
            "error": {
                "code": "VALIDATION_ERROR",
                "message": "Query validation failed",
                "details": [
                    {
                        "path": [name],
                        "message": f"Expected an integer between 1 and {bound}",
                        "code": "invalid_type",
                    }
                ],
            }
        }


@pytest.mark.django_db
def test_the_last_page_allowed_still_answers(keyed_client):
    page = page_number_max(100)
    assert page * 100 <= OFFSET_MAX
    for url in lists(keyed_client):
        response = keyed_client.get(url, {"page": str(page), "limit": "100"})
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["data"] == [] and body["pagination"]["page"] == page and body["pagination"]["hasPrev"]
