"""Browser tests run against a live server, so their database is flushed between tests.

A flush re-runs post_migrate (content types, permissions, role groups) but not the data
migration that loads countries: put them back before each test.
"""

import pytest

from core.countries import country_rows
from core.models import Country


@pytest.fixture(autouse=True)
def reference_countries(transactional_db):
    if not Country.objects.exists():
        Country.objects.bulk_create(Country(**row) for row in country_rows())
