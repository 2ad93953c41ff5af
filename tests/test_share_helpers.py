"""The share computation's pure helpers, tested without a database: customer
months and the invoice-level scope test work on plain values."""

from datetime import date

import pytest

from odoo.addons.partner_revshare.models.revshare_share_customers import (
    customer_months,
)
from odoo.addons.partner_revshare.models.revshare_share_scope import (
    AgreementScope,
    MoveFacts,
)


@pytest.mark.parametrize(
    ("start", "day", "months"),
    [
        (date(2026, 1, 15), date(2026, 1, 15), 0),
        (date(2026, 1, 15), date(2026, 2, 14), 0),
        (date(2026, 1, 15), date(2026, 2, 15), 1),
        (date(2026, 1, 15), date(2027, 1, 15), 12),
        # A month from 31 January ends on the last day of February.
        (date(2026, 1, 31), date(2026, 2, 27), 0),
        (date(2026, 1, 31), date(2026, 2, 28), 1),
        (date(2026, 1, 31), date(2026, 3, 30), 1),
        (date(2026, 1, 31), date(2026, 3, 31), 2),
        (date(2024, 2, 29), date(2025, 2, 28), 12),
        # Before the start: negative.
        (date(2026, 3, 1), date(2026, 2, 28), -1),
        (date(2026, 3, 1), date(2025, 3, 1), -12),
    ],
)
def test_customer_months(start, day, months):
    assert customer_months(start, day) == months


def scope(**values):
    """An agreement scope of company 1 with no restriction but ``values``."""
    defaults = {
        "company_id": 1,
        "date_start": None,
        "date_end": None,
        "customer_ids": frozenset(),
        "customer_category_ids": frozenset(),
        "referrer_id": None,
        "product_ids": frozenset(),
        "product_category_ids": frozenset(),
        "salesperson_ids": frozenset(),
        "journal_ids": frozenset(),
        "country_ids": frozenset(),
    }
    return AgreementScope(**{**defaults, **values})


# An invoice of company 1 on 10 March 2026 to customer 7 (invoice partner 8),
# tagged 3, referred by 20, sold by user 5 in journal 9, customer in country 33.
FACTS = MoveFacts(
    company_id=1,
    day=date(2026, 3, 10),
    partner_ids=frozenset({7, 8}),
    category_ids=frozenset({3}),
    referrer_id=20,
    salesperson_id=5,
    journal_id=9,
    country_id=33,
)


def test_empty_scope_is_any_invoice_of_its_company():
    assert FACTS.in_scope(scope())
    assert not FACTS.in_scope(scope(company_id=2))


@pytest.mark.parametrize(
    ("values", "in_scope"),
    [
        ({"date_start": date(2026, 3, 10)}, True),
        ({"date_start": date(2026, 3, 11)}, False),
        ({"date_end": date(2026, 3, 10)}, True),
        ({"date_end": date(2026, 3, 9)}, False),
        # The customer or the invoice partner.
        ({"customer_ids": frozenset({8, 99})}, True),
        ({"customer_ids": frozenset({99})}, False),
        ({"customer_category_ids": frozenset({3, 4})}, True),
        ({"customer_category_ids": frozenset({4})}, False),
        ({"referrer_id": 20}, True),
        ({"referrer_id": 21}, False),
        ({"salesperson_ids": frozenset({5})}, True),
        ({"salesperson_ids": frozenset({6})}, False),
        ({"journal_ids": frozenset({9})}, True),
        ({"journal_ids": frozenset({10})}, False),
        ({"country_ids": frozenset({33})}, True),
        ({"country_ids": frozenset({34})}, False),
        # Products are tested per line, not here.
        ({"product_ids": frozenset({1234})}, True),
    ],
)
def test_in_scope_each_restriction(values, in_scope):
    assert FACTS.in_scope(scope(**values)) is in_scope


def test_in_scope_all_restrictions_must_hold():
    matching = {
        "customer_ids": frozenset({7}),
        "country_ids": frozenset({33}),
        "journal_ids": frozenset({9}),
    }
    assert FACTS.in_scope(scope(**matching))
    assert not FACTS.in_scope(scope(**matching, salesperson_ids=frozenset({6})))
