import csv
import io

from dateutil.relativedelta import relativedelta

from odoo import fields, http
from odoo.exceptions import AccessError, MissingError
from odoo.http import content_disposition, request
from odoo.tools import format_date

from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager

from .params import MAX_ID, parse_choice, parse_id, parse_page, parse_period

# Characters that make a spreadsheet read a cell as a formula (CSV injection),
# also after leading spaces, which spreadsheets skip.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# Route ids beyond PostgreSQL's integer range are not found (404), never a 500.
ID = f"int(min=1, max={MAX_ID})"
# Feedback messages the statement page shows after an action.
STATEMENT_MESSAGES = ("acknowledged", "disputed", "dispute_empty", "dispute_long")
REPORT_TYPES = ("html", "pdf", "text")


class RevsharePortal(CustomerPortal):
    """Partner portal of revenue sharing: running account, agreements, statements
    and ledger of the logged-in user's commercial partner.

    Routes parse, search and render; the figures and terms come from the models
    (``res.partner._revshare_running_account``, ``_revshare_portal_*`` methods), as
    in the backend and the PDF. Lists are searched as the portal user (record rules
    decide what exists); the domains add the commercial partner so that an internal
    user opening the portal sees their own (empty) account.
    """

    def _revshare_partner(self):
        return request.env.user.partner_id.commercial_partner_id

    def _revshare_can_read(self, model):
        # Portal and revenue-share users; other employees get no revenue-share page.
        return request.env[model].has_access("read")

    def _revshare_selection(self, model, field_name):
        field = request.env[model]._fields[field_name]
        return dict(field._description_selection(request.env))

    def _revshare_domain(self, model):
        return request.env[model]._revshare_portal_domain(self._revshare_partner())

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        for counter, model in (
            ("revshare_agreement_count", "revshare.agreement"),
            ("revshare_statement_count", "revshare.settlement"),
        ):
            if counter in counters:
                values[counter] = (
                    request.env[model].search_count(self._revshare_domain(model))
                    if self._revshare_can_read(model)
                    else 0
                )
        return values

    def _revshare_layout_values(self, page_name, **values):
        result = self._prepare_portal_layout_values()
        result.update(page_name=page_name, **values)
        return result

    def _revshare_page(self, model, url, domain, order, page, url_args=None):
        """One page of the records of ``model`` matching ``domain``, searched as
        the portal user, and its pager: (records, pager)."""
        Model = request.env[model]
        pager = portal_pager(
            url=url,
            url_args=url_args,
            total=Model.search_count(domain),
            page=parse_page(page),
            step=self._items_per_page,
        )
        records = Model.search(
            domain, order=order, limit=self._items_per_page, offset=pager["offset"]
        )
        return records, pager

    # ------------------------------------------------------------------
    # Running account
    # ------------------------------------------------------------------

    @http.route(["/my/revshare"], type="http", auth="user", website=True)
    def portal_my_revshare(self, **kw):
        if not self._revshare_can_read("revshare.line"):
            return request.redirect("/my")
        partner = self._revshare_partner()
        values = self._revshare_layout_values(
            "revshare",
            accounts=partner._revshare_running_account(),
            forecast=partner._revshare_portal_forecast(),
        )
        return request.render("partner_revshare.portal_my_revshare", values)

    # ------------------------------------------------------------------
    # Agreements
    # ------------------------------------------------------------------

    @http.route(
        ["/my/revshare/agreements", f"/my/revshare/agreements/page/<{ID}:page>"],
        type="http",
        auth="user",
        website=True,
    )
    def portal_my_revshare_agreements(self, page=1, **kw):
        if not self._revshare_can_read("revshare.agreement"):
            return request.redirect("/my")
        agreements, pager = self._revshare_page(
            "revshare.agreement",
            "/my/revshare/agreements",
            self._revshare_domain("revshare.agreement"),
            "date_start desc, id desc",
            page,
        )
        values = self._revshare_layout_values(
            "revshare_agreements",
            agreements=agreements,
            pager=pager,
            roles=self._revshare_selection("revshare.agreement", "role"),
            states=self._revshare_selection("revshare.agreement", "state"),
        )
        return request.render("partner_revshare.portal_my_revshare_agreements", values)

    @http.route(
        [f"/my/revshare/agreements/<{ID}:agreement_id>"],
        type="http",
        auth="user",
        website=True,
    )
    def portal_my_revshare_agreement(self, agreement_id, **kw):
        try:
            agreement_sudo = self._document_check_access(
                "revshare.agreement", agreement_id
            )
        except (AccessError, MissingError):
            return request.redirect("/my")
        if agreement_sudo.state not in agreement_sudo._revshare_portal_states:
            return request.redirect("/my")
        # The terms are read in the user's language, with the user's formats.
        agreement_sudo = agreement_sudo.with_context(lang=request.env.lang)
        values = self._revshare_layout_values(
            "revshare_agreements",
            agreement=agreement_sudo,
            terms=agreement_sudo._revshare_portal_terms(),
            rules=agreement_sudo._revshare_portal_rules(),
            roles=self._revshare_selection("revshare.agreement", "role"),
            states=self._revshare_selection("revshare.agreement", "state"),
        )
        return request.render("partner_revshare.portal_my_revshare_agreement", values)

    # ------------------------------------------------------------------
    # Ledger
    # ------------------------------------------------------------------

    def _revshare_line_sortings(self):
        _ = request.env._
        return {
            "date": {"label": _("Newest"), "order": "date desc, id desc"},
            "date_asc": {"label": _("Oldest"), "order": "date asc, id asc"},
            "amount": {"label": _("Amount"), "order": "amount desc, id desc"},
            "agreement": {
                "label": _("Agreement"),
                "order": "agreement_id, date desc, id desc",
            },
        }

    def _revshare_period_options(self, today=None):
        """Months of the last year and the current and previous years, as
        (value, label) pairs for the period filter."""
        today = today or fields.Date.context_today(request.env.user)
        first = today.replace(day=1)
        options = [("", request.env._("All periods"))]
        for i in range(12):
            month = first - relativedelta(months=i)
            options.append(
                (
                    month.strftime("%Y-%m"),
                    format_date(request.env, month, date_format="MMMM y"),
                )
            )
        for year in (today.year, today.year - 1):
            options.append((str(year), str(year)))
        return options

    def _revshare_line_filters(self, query):
        """Parse the ledger filters of the query string ``query`` (see
        ``params``): values that do not parse are ignored.

        :return: (domain, clean filter values) or None when the filter names an
            agreement the user may not read (a guessed id: no data at all).
        """
        domain = list(self._revshare_domain("revshare.line"))
        clean = {}
        agreement, period = query.get("agreement"), query.get("period")
        kind, state = query.get("kind"), query.get("state")
        if agreement:
            agreement_id = parse_id(agreement)
            allowed = agreement_id and request.env["revshare.agreement"].search(
                [
                    *self._revshare_domain("revshare.agreement"),
                    ("id", "=", agreement_id),
                ]
            )
            if not allowed:
                return None
            domain.append(("agreement_id", "=", allowed.id))
            clean["agreement"] = allowed.id
        bounds = parse_period(period)
        if bounds:
            domain += [("date", ">=", bounds[0]), ("date", "<=", bounds[1])]
            clean["period"] = period
        if parse_choice(kind, self._revshare_line_kinds()):
            domain.append(("section", "=", kind))
            clean["kind"] = kind
        if parse_choice(state, self._revshare_line_states()):
            domain += request.env["revshare.line"]._revshare_partner_state_domain(state)
            clean["state"] = state
        return domain, clean

    def _revshare_line_kinds(self):
        # A row's kind, for the partner, is its statement section (a credit
        # note's share is a clawback), as on the statement and the PDF.
        return self._revshare_selection("revshare.line", "section")

    def _revshare_line_states(self):
        states = self._revshare_selection("revshare.line", "state")
        states.pop("cancelled")
        # Adjustments waiting for approval are not shown to the partner.
        states.pop("to_approve")
        return states

    @http.route(
        ["/my/revshare/lines", f"/my/revshare/lines/page/<{ID}:page>"],
        type="http",
        auth="user",
        website=True,
    )
    def portal_my_revshare_lines(self, page=1, sortby=None, **kw):
        if not self._revshare_can_read("revshare.line"):
            return request.redirect("/my")
        filters = self._revshare_line_filters(kw)
        if filters is None:
            return request.redirect("/my/revshare/lines")
        domain, clean = filters
        sortings = self._revshare_line_sortings()
        sortby = parse_choice(sortby, sortings) or "date"
        url_args = dict(clean, sortby=sortby)
        lines, pager = self._revshare_page(
            "revshare.line",
            "/my/revshare/lines",
            domain,
            sortings[sortby]["order"],
            page,
            url_args=url_args,
        )
        values = self._revshare_layout_values(
            "revshare_lines",
            rows=lines._revshare_portal_values(),
            pager=pager,
            default_url="/my/revshare/lines",
            searchbar_sortings=sortings,
            sortby=sortby,
            filters=clean,
            csv_args=url_args,
            agreements=request.env["revshare.agreement"].search(
                self._revshare_domain("revshare.agreement")
            ),
            period_options=self._revshare_period_options(),
            kinds=self._revshare_line_kinds(),
            states=self._revshare_line_states(),
        )
        return request.render("partner_revshare.portal_my_revshare_lines", values)

    @http.route(["/my/revshare/lines/csv"], type="http", auth="user", website=True)
    def portal_my_revshare_lines_csv(self, sortby=None, **kw):
        """The filtered ledger rows as CSV (all pages), in the portal's language
        (a frontend route: ``/fr/my/revshare/lines/csv`` is French)."""
        if not self._revshare_can_read("revshare.line"):
            raise request.not_found()
        filters = self._revshare_line_filters(kw)
        if filters is None:
            raise request.not_found()
        domain, _clean = filters
        sortings = self._revshare_line_sortings()
        order = sortings[parse_choice(sortby, sortings) or "date"]["order"]
        lines = request.env["revshare.line"].search(domain, order=order)
        content = self._revshare_lines_csv(lines._revshare_portal_values())
        return request.make_response(
            content,
            headers=[
                ("Content-Type", "text/csv; charset=utf-8"),
                (
                    "Content-Disposition",
                    content_disposition("revenue_share_ledger.csv"),
                ),
            ],
        )

    def _revshare_lines_csv(self, rows):
        """UTF-8 with a byte-order mark, so that spreadsheets read accents right."""
        _ = request.env._

        def text(value):
            # Customer and product names come from other people's input: a leading
            # formula character would run as a formula in a spreadsheet.
            value = value or ""
            return (
                "'" + value if value.lstrip(" ").startswith(FORMULA_PREFIXES) else value
            )

        def number(row, key):
            currency = row["currency"]
            return f"{currency.round(row[key]):.{currency.decimal_places}f}"

        precision = (
            request.env["revshare.line"]._fields["rate"].get_digits(request.env)[1]
        )
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        columns = {
            _("Date"): lambda row: fields.Date.to_string(row["date"]),
            _("Agreement"): lambda row: text(row["agreement"]),
            _("Kind"): lambda row: row["kind_label"],
            _("State"): lambda row: row["state_label"],
            _("Statement"): lambda row: row["statement"],
            _("Invoice"): lambda row: text(row["invoice"]),
            _("Customer"): lambda row: text(row["customer"]),
            _("Product"): lambda row: text(row["product"]),
            _("Currency"): lambda row: row["currency"].name,
            _("Base"): lambda row: number(row, "base_amount"),
            _("Rate (%)"): lambda row: f"{row['rate']:.{precision}f}",
            _("Amount"): lambda row: number(row, "amount"),
            _("Still Expected"): lambda row: number(row, "amount_expected"),
            _("Reason"): lambda row: text(row["note"] or row["hold_reason"]),
        }
        writer.writerow(columns)
        for row in rows:
            writer.writerow([value(row) for value in columns.values()])
        return buffer.getvalue().encode("utf-8-sig")

    # ------------------------------------------------------------------
    # Statements
    # ------------------------------------------------------------------

    @http.route(
        ["/my/revshare/statements", f"/my/revshare/statements/page/<{ID}:page>"],
        type="http",
        auth="user",
        website=True,
    )
    def portal_my_revshare_statements(self, page=1, sortby=None, **kw):
        if not self._revshare_can_read("revshare.settlement"):
            return request.redirect("/my")
        _ = request.env._
        domain = self._revshare_domain("revshare.settlement")
        sortings = {
            "date": {"label": _("Newest"), "order": "date_to desc, id desc"},
            "name": {"label": _("Reference"), "order": "name desc, id desc"},
            "state": {"label": _("Status"), "order": "state, date_to desc, id desc"},
        }
        sortby = parse_choice(sortby, sortings) or "date"
        statements, pager = self._revshare_page(
            "revshare.settlement",
            "/my/revshare/statements",
            domain,
            sortings[sortby]["order"],
            page,
            url_args={"sortby": sortby},
        )
        request.session["my_revshare_statements_history"] = statements.ids[:100]
        values = self._revshare_layout_values(
            "revshare_statements",
            # sudo: the statements were searched as the portal user; the bill
            # reference shown next to them is the partner's own vendor bill.
            statements=statements.sudo(),
            pager=pager,
            default_url="/my/revshare/statements",
            searchbar_sortings=sortings,
            sortby=sortby,
            states=self._revshare_selection("revshare.settlement", "state"),
        )
        return request.render("partner_revshare.portal_my_revshare_statements", values)

    def _revshare_statement_access(self, statement_id, access_token=None):
        """The statement, sudoed, when the user may read it (record rule) or holds
        its access token; None otherwise. Drafts are never shown."""
        try:
            statement_sudo = self._document_check_access(
                "revshare.settlement", statement_id, access_token
            )
        except (AccessError, MissingError):
            return None
        if statement_sudo.state not in statement_sudo._revshare_portal_states:
            return None
        return statement_sudo

    @http.route(
        [f"/my/revshare/statements/<{ID}:statement_id>"],
        type="http",
        auth="public",
        website=True,
    )
    def portal_my_revshare_statement(
        self, statement_id, access_token=None, report_type=None, download=None, **kw
    ):
        statement_sudo = self._revshare_statement_access(statement_id, access_token)
        if not statement_sudo:
            return request.redirect("/my")
        if report_type is not None:
            if not parse_choice(report_type, REPORT_TYPES):
                raise request.not_found()
            return self._show_report(
                model=statement_sudo,
                report_type=report_type,
                report_ref="partner_revshare.action_report_revshare_statement",
                download=download == "true",
            )
        values = self._revshare_layout_values(
            "revshare_statements",
            statement=statement_sudo,
            states=self._revshare_selection("revshare.settlement", "state"),
            agreement_totals=statement_sudo._revshare_portal_totals(),
            message=parse_choice(kw.get("message"), STATEMENT_MESSAGES),
            dispute_max_length=statement_sudo._revshare_dispute_max_length,
        )
        values = self._get_page_view_values(
            statement_sudo,
            access_token,
            values,
            "my_revshare_statements_history",
            False,
            **kw,
        )
        return request.render("partner_revshare.portal_my_revshare_statement", values)

    def _revshare_statement_url(self, statement_sudo, message):
        # The URL carries the statement's token, which only a user who already had
        # access gets (record rule or token).
        return statement_sudo.get_portal_url(query_string=f"&message={message}")

    def _revshare_statement_author(self, statement_sudo):
        user = request.env.user
        if user._is_public():
            # Reached with the access token of the statement email: the partner.
            return statement_sudo.partner_id
        return user.partner_id

    @http.route(
        [f"/my/revshare/statements/<{ID}:statement_id>/acknowledge"],
        type="http",
        auth="public",
        methods=["POST"],
        website=True,
    )
    def portal_my_revshare_statement_acknowledge(
        self, statement_id, access_token=None, **kw
    ):
        statement_sudo = self._revshare_statement_access(statement_id, access_token)
        if not statement_sudo:
            return request.redirect("/my")
        if not statement_sudo._revshare_can_acknowledge():
            # Not sent, already acknowledged, or disputed: nothing to post.
            return request.redirect(statement_sudo.get_portal_url())
        # sudo: access was checked just above (record rule or token); the partner
        # only adds a comment on its own statement.
        statement_sudo._revshare_acknowledge(
            self._revshare_statement_author(statement_sudo)
        )
        return request.redirect(
            self._revshare_statement_url(statement_sudo, "acknowledged")
        )

    @http.route(
        [f"/my/revshare/statements/<{ID}:statement_id>/dispute"],
        type="http",
        auth="public",
        methods=["POST"],
        website=True,
    )
    def portal_my_revshare_statement_dispute(
        self, statement_id, access_token=None, dispute_message=None, **kw
    ):
        statement_sudo = self._revshare_statement_access(statement_id, access_token)
        if not statement_sudo:
            return request.redirect("/my")
        if not statement_sudo._revshare_can_dispute():
            # Not sent, or its dispute is still open: nothing to post.
            return request.redirect(statement_sudo.get_portal_url())
        text = (dispute_message or "").strip()
        if not text:
            message = "dispute_empty"
        elif len(text) > statement_sudo._revshare_dispute_max_length:
            message = "dispute_long"
        else:
            # sudo: access was checked just above (record rule or token); the
            # partner comments on its own statement and the model asks the
            # accounting team to answer. The message is escaped by the model.
            statement_sudo._revshare_dispute(
                self._revshare_statement_author(statement_sudo), text
            )
            message = "disputed"
        return request.redirect(self._revshare_statement_url(statement_sudo, message))
