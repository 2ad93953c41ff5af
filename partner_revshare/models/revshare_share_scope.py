"""What the share computation tests on an invoice line, as plain values: an
agreement's scope and an invoice's facts are read once per computation, then
matched without the ORM (:class:`.revshare_share_computation.ShareComputation`)."""

from dataclasses import dataclass

# Invoice-line prefetches the matching reads on every agreement.
SCOPE_FIELDS = (
    "customer_ids",
    "customer_category_ids",
    "product_ids",
    "product_category_ids",
    "salesperson_ids",
    "journal_ids",
    "country_ids",
)


@dataclass(frozen=True)
class AgreementScope:
    """An agreement's scope as plain ids, read once per computation: matching
    thousands of invoice lines against it then reads no ORM field (empty sets:
    no restriction; ``referrer_id``: the partner a referred-only agreement
    requires, else None)."""

    company_id: int
    date_start: object
    date_end: object
    customer_ids: frozenset
    customer_category_ids: frozenset
    referrer_id: object
    product_ids: frozenset
    product_category_ids: frozenset
    salesperson_ids: frozenset
    journal_ids: frozenset
    country_ids: frozenset

    @classmethod
    def of(cls, agreement):
        return cls(
            company_id=agreement.company_id.id,
            date_start=agreement.date_start,
            date_end=agreement.date_end,
            customer_ids=frozenset(agreement.customer_ids.ids),
            customer_category_ids=frozenset(agreement.customer_category_ids.ids),
            referrer_id=agreement.partner_id.id if agreement.referred_only else None,
            product_ids=frozenset(agreement.product_ids.ids),
            product_category_ids=frozenset(agreement.product_category_ids.ids),
            salesperson_ids=frozenset(agreement.salesperson_ids.ids),
            journal_ids=frozenset(agreement.journal_ids.ids),
            country_ids=frozenset(agreement.country_ids.ids),
        )


# The facts of an invoice read only when a scope tests them (they read the
# customers' tags and records): fact -> the scope's restriction.
OPTIONAL_FACTS = {
    "category_ids": "customer_category_ids",
    "referrer_id": "referrer_id",
    "country_id": "country_ids",
}


def tested_facts(scopes):
    """The optional facts (:data:`OPTIONAL_FACTS`) that any of ``scopes`` tests."""
    return frozenset(
        fact
        for fact, restriction in OPTIONAL_FACTS.items()
        if any(getattr(scope, restriction) for scope in scopes)
    )


@dataclass(frozen=True)
class MoveFacts:
    """What the agreements' scopes test on an invoice, read once per invoice."""

    company_id: int
    day: object
    partner_ids: frozenset  # the commercial partner and the invoice partner
    category_ids: frozenset  # the tags of both
    referrer_id: object
    salesperson_id: object
    journal_id: object
    country_id: object

    @classmethod
    def of(cls, move, tested=frozenset(OPTIONAL_FACTS)):
        """The facts of ``move``; of the optional ones, only those in ``tested``
        (the others are empty: no scope that tests them is matched)."""
        customer = move.commercial_partner_id
        return cls(
            company_id=move.company_id.id,
            day=move.invoice_date or move.date,
            partner_ids=frozenset((customer.id, move.partner_id.id)),
            category_ids=frozenset(
                (customer.category_id | move.partner_id.category_id).ids
                if "category_ids" in tested
                else ()
            ),
            referrer_id=(
                customer.revshare_referrer_id.id if "referrer_id" in tested else None
            ),
            salesperson_id=move.invoice_user_id.id,
            journal_id=move.journal_id.id,
            country_id=customer.country_id.id if "country_id" in tested else None,
        )

    def in_scope(self, scope):
        """Whether the invoice is in the scope (all but its lines' products)."""
        return (
            scope.company_id == self.company_id
            and not (scope.date_start and self.day < scope.date_start)
            and not (scope.date_end and self.day > scope.date_end)
            and not (scope.customer_ids and not scope.customer_ids & self.partner_ids)
            and not (
                scope.customer_category_ids
                and not scope.customer_category_ids & self.category_ids
            )
            and not (scope.referrer_id and self.referrer_id != scope.referrer_id)
            and not (
                scope.salesperson_ids
                and self.salesperson_id not in scope.salesperson_ids
            )
            and not (scope.journal_ids and self.journal_id not in scope.journal_ids)
            and not (scope.country_ids and self.country_id not in scope.country_ids)
        )
