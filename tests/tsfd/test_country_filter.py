"""The TSFD list and API filter by recipient country code (it answered 500)."""

import pytest

from tests.tsfd.factories import draft

pytestmark = pytest.mark.django_db


def test_recipient_country_filter_by_code(client, users):
    gbr = draft(users["requester"], title="To the United Kingdom", country="GBR")
    draft(users["requester"], title="To Japan", country="JPN")
    client.force_login(users["requester"])
    page = client.get("/tsfd/?recipient_country=GBR")
    assert page.status_code == 200
    assert "To the United Kingdom" in page.text and "To Japan" not in page.text
    api = client.get("/api/v1/tsfd/requests/?recipient_country=GBR")
    assert api.status_code == 200
    assert [r["id"] for r in api.json()["results"]] == [gbr.pk]
