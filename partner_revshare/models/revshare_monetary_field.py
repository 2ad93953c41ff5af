"""The ledger's and statements' amount field: Odoo's Monetary, without a
record per amount.

Posting creates thousands of ledger rows of eight amounts each, a settlement
run thousands of statements of six. Odoo's
``fields.Monetary`` finds the currency of each amount anew: at the ``INSERT`` a
new record built from the create values (``convert_to_column_insert``), in the
cache and at the flush of an ``UPDATE`` a ``with_context`` environment
(``convert_to_cache``, ``convert_to_column_update``); that was half the cost of
creating the rows. :class:`RevshareMonetary` reads the currency id from the
create values or from the record's cache and rounds in it, as Odoo does; where
neither says it (or it is still to be computed), it is Odoo's own code that
runs. Same column, same type, same values (``test_revshare_monetary_field``
compares them with Odoo's in three currencies)."""

from odoo import fields, models
from odoo.exceptions import CacheMiss
from odoo.tools import float_repr


class RevshareMonetary(fields.Monetary):
    """``fields.Monetary`` that takes the currency of an amount from the
    create values or the row's cache by id."""

    def _revshare_currency(self, record, value):
        """The currency record of ``value`` (a currency field's value: an id,
        a record or nothing) in ``record``'s environment, None when the value
        is of another form (then Odoo's lookup runs)."""
        if not value:
            return record.env["res.currency"]
        if isinstance(value, int):
            return record.env["res.currency"].browse(value)
        if isinstance(value, models.BaseModel) and value._name == "res.currency":
            return value.with_env(record.env)
        return None

    def _revshare_cached_currency(self, record):
        """The currency record of ``record``'s amounts, from its cache; None
        when the cache does not say it (then Odoo's lookup runs)."""
        if len(record) != 1:
            return None
        field = record._fields[self.get_currency_field(record)]
        if record.env.is_to_compute(field, record):
            return None
        try:
            currency_id = record.env.cache.get(record, field)
        except CacheMiss:
            return None
        return self._revshare_currency(record, currency_id)

    @staticmethod
    def _revshare_column(value, currency):
        """``value`` as Odoo's Monetary stores it in ``currency``."""
        value = float(value or 0.0)
        if currency:
            return float_repr(currency.round(value), currency.decimal_places)
        return value

    def convert_to_column_insert(self, value, record, values=None, validate=True):
        currency_field = self.get_currency_field(record)
        currency = None
        if values and currency_field in values:
            currency = self._revshare_currency(record, values[currency_field])
        if currency is None or len(currency) > 1:
            return super().convert_to_column_insert(value, record, values, validate)
        return self._revshare_column(value, currency)

    def convert_to_column_update(self, value, record):
        # The flush of a written amount: Odoo reads the currency anew in a new
        # environment per row and amount.
        currency = self._revshare_cached_currency(record)
        if currency is None:
            return super().convert_to_column_update(value, record)
        return self._revshare_column(value, currency)

    def convert_to_cache(self, value, record, validate=True):
        currency = (
            self._revshare_cached_currency(record) if value and validate else None
        )
        if currency is None:
            return super().convert_to_cache(value, record, validate)
        value = float(value)
        return currency.round(value) if currency else value
