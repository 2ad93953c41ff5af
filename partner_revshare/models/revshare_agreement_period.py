from datetime import date as dt_date

from dateutil.relativedelta import relativedelta

from odoo import models

# Months per settlement period, by period kind.
PERIOD_MONTHS = {"monthly": 1, "quarterly": 3, "half_yearly": 6, "yearly": 12}


class RevshareAgreementPeriod(models.AbstractModel):
    """The settlement periods of an agreement (``settlement_period``): aligned on
    calendar months, quarters, half-years and years."""

    _name = "revshare.agreement.period"
    _description = "Revenue Share Agreement: settlement periods"

    def _revshare_period_start(self, day):
        """First day of the settlement period of this agreement containing ``day``
        (periods are aligned on calendar months, quarters, half-years, years)."""
        self.ensure_one()
        months = PERIOD_MONTHS[self.settlement_period]
        month = (day.month - 1) // months * months + 1
        return dt_date(day.year, month, 1)

    def _revshare_period_bounds(self, day):
        start = self._revshare_period_start(day)
        months = PERIOD_MONTHS[self.settlement_period]
        return start, start + relativedelta(months=months, days=-1)

    def _revshare_last_closed_period(self, day):
        """Bounds of the last settlement period of this agreement that has ended on
        or before ``day``."""
        self.ensure_one()
        start, end = self._revshare_period_bounds(day)
        if end == day:
            return start, end
        return self._revshare_period_bounds(start - relativedelta(days=1))
