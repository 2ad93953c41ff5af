import inspect

from odoo import Command, fields
from odoo.api import call_kw
from odoo.exceptions import AccessError, UserError
from odoo.models import check_method_name, regex_private
from odoo.tests import tagged
from odoo.tests.common import JsonRpcException
from odoo.tools import SQL, mute_logger

from .common_portal import RevsharePortalCommon

# Python modules of our addons: a class defined there is our code.
OUR_MODULES = ("odoo.addons.partner_revshare.", "odoo.addons.partner_revshare_payment.")
# Public methods that may answer an outsider, and why that is harmless. Every
# other public method must refuse (AccessError, UserError).
HARMLESS = {
    "copy_data": "returns the values of a copy of a record the caller may read",
    "default_get": "returns default values; creating the record is refused",
}
# Odoo's own methods that do nothing on no record (``[[]]`` over RPC).
HARMLESS_ON_NOTHING = {
    "write": "writes no record",
    "unlink": "deletes no record",
}
# Plausible values of the arguments our public methods take, by parameter name.
# Only arguments: every method found is called.
ARGUMENTS = {
    "vals_list": lambda case, model: [case._plausible_vals(model)],
    "vals": lambda case, model: case._plausible_vals(model),
    "fields_list": lambda case, model: list(case.env[model]._fields),
    "reason": lambda case, model: "Returned over RPC",
}
# Tables whose rows are the books: none may change.
BOOKS = (
    "account_move",
    "account_move_line",
    "revshare_line",
    "revshare_settlement",
    "revshare_agreement",
)


@tagged("post_install", "-at_install")
class TestRevshareRpcAccess(RevsharePortalCommon):
    """Every public method of our models is an RPC endpoint: a partner's portal
    user, or an employee without accounting rights, can call it on any record
    they read. None of them changes the books: each refuses (AccessError or
    UserError) before anything is written. The methods are found in the model
    classes our addons define, so a new one is covered without editing this."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.employee = cls._create_user("revshare_employee", "base.group_user")
        cls.employee.partner_id.parent_id = cls.reseller
        Line = cls.env["revshare.line"].sudo()
        adjustment = {
            "agreement_id": cls.agreement_a.id,
            "partner_id": cls.reseller.id,
            "company_id": cls.company.id,
            "currency_id": cls.currency.id,
            "date": cls.this_month,
            "kind": "adjustment",
            "adjustment_reason": "manual",
            "amount": 500.0,
        }
        cls.row_to_approve, cls.row_rejected = Line.create(
            [
                dict(adjustment, state="to_approve", note="Internal: fraud check"),
                dict(adjustment, state="to_approve", note="Rejected bonus"),
            ]
        )
        cls.row_rejected.write({"state": "cancelled"})
        # A confirmed statement whose draft bill an accountant deleted: billing
        # it again is an accountant's action.
        cls.customer4 = cls.env["res.partner"].create({"name": "Rebilled Customer"})
        cls.agreement_rebill = cls._create_agreement(
            name="Periodic, rebilled",
            settlement_mode="periodic",
            product_id=cls.bill_product.id,
            customer_ids=[Command.set(cls.customer4.ids)],
        )
        invoice = cls._create_invoice(
            [(cls.product_cloud, 1, 600.0)],
            partner=cls.customer4,
            invoice_date=cls.last_month,
        )
        cls.statement_rebill = cls._create_statement(
            cls.reseller,
            cls.last_month.replace(year=cls.last_month.year - 2),
            cls.agreement_rebill,
            invoice.revshare_line_ids,
        )
        cls.statement_rebill.bill_id.unlink()
        cls.payout, cls.payout_line = cls._create_payout()
        cls.wizards = cls._create_wizards()

    @classmethod
    def _create_payout(cls):
        """A draft payout of statement B and a paid transfer to partner A, made
        by an accountant without the checks: what the callers could find."""
        journal = cls.company_data["default_journal_bank"]
        payout = cls.env["revshare.payout"].create(
            {
                "journal_id": journal.id,
                "payment_method_line_id": journal.outbound_payment_method_line_ids[
                    :1
                ].id,
                "currency_id": cls.currency.id,
                "settlement_ids": [Command.set(cls.statement_b.ids)],
            }
        )
        line = cls.env["revshare.payout.line"].create(
            {"payout_id": payout.id, "partner_id": cls.reseller.id, "amount": 50.0}
        )
        return payout, line

    @classmethod
    def _create_wizards(cls):
        """One record of each of our wizards, made by an accountant."""
        env = cls.env
        return {
            "revshare.line.adjust": env["revshare.line.adjust"].create(
                {"agreement_id": cls.agreement_a.id, "amount": 50.0, "note": "RPC"}
            ),
            "revshare.line.hold": env["revshare.line.hold"].create(
                {"line_ids": [Command.set(cls.row_1.ids)], "reason": "RPC"}
            ),
            "revshare.line.decline": env["revshare.line.decline"].create(
                {"line_ids": [Command.set(cls.row_1.ids)], "reason": "RPC"}
            ),
            "revshare.settlement.resolve": env["revshare.settlement.resolve"].create(
                {"settlement_id": cls.statement_a.id, "answer": "RPC"}
            ),
            "revshare.settlement.run": env["revshare.settlement.run"].create(
                {"date": cls.this_month}
            ),
            "revshare.check": env["revshare.check"].create({}),
            "revshare.payout.line.return": env["revshare.payout.line.return"].create(
                {"line_id": cls.payout_line.id, "reason": "RPC"}
            ),
        }

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------

    def _our_public_methods(self):
        """{model: sorted names of the public methods our addons define on it},
        for every model of the registry (ours and Odoo's we extend): the names
        RPC may call (``check_method_name``) found in our classes. Abstract
        models have no records to call them on: the methods of our mixins are
        found on the models that inherit them."""
        found = {}
        for model_name in self.env.registry:
            if self.env[model_name]._abstract:
                continue
            names = set()
            for klass in type(self.env[model_name]).__mro__:
                if not klass.__module__.startswith(OUR_MODULES):
                    continue
                for name, value in vars(klass).items():
                    if regex_private.match(name):
                        continue
                    if inspect.isfunction(value) or isinstance(
                        value, classmethod | staticmethod
                    ):
                        names.add(name)
            if names:
                found[model_name] = sorted(names)
        return found

    def _records(self, model):
        """(own, foreign) records of ``model`` for the callers (partner A's
        contacts), one recordset per call; models without a partner: any
        record, and the empty recordset (``[[]]`` over RPC)."""
        own_foreign = {
            "revshare.agreement": (
                self.agreement_a | self.agreement_p,
                self.agreement_b,
            ),
            "revshare.line": (
                self.row_1 | self.row_expected | self.row_to_approve,
                self.row_b,
            ),
            "revshare.settlement": (
                self.statement_a | self.statement_rebill | self.statement_a_draft,
                self.statement_b,
            ),
            "revshare.rule": (self.agreement_a.rule_ids, self.agreement_b.rule_ids),
            "res.partner": (self.reseller, self.techpartner),
            "account.move": (self.invoice_1 | self.bill_a, self.invoice_b),
            "revshare.payout": (self.payout, self.payout),
            "revshare.payout.line": (self.payout_line, self.payout_line),
        }
        Model = self.env[model]
        if model in own_foreign:
            own, foreign = own_foreign[model]
        elif model in self.wizards:
            own = foreign = self.wizards[model]
        else:
            own = foreign = Model.sudo().search([], limit=1)
        return [*own, *foreign, Model.browse()]

    def _plausible_vals(self, model):
        """Values a caller would try to write or create on ``model``: a state
        step, an amount, another partner; only fields the model has."""
        candidates = {
            "name": "Changed over RPC",
            "note": "Changed over RPC",
            "state": "settled",
            "workflow_state": "confirmed",
            "hold_reason": "Changed over RPC",
            "amount": 1000.0,
            "agreement_id": self.agreement_a.id,
            "partner_id": self.reseller.id,
            "company_id": self.company.id,
            "currency_id": self.currency.id,
            "date": fields.Date.to_string(self.this_month),
            "date_from": fields.Date.to_string(self.this_month),
            "date_to": fields.Date.to_string(self.this_month),
        }
        model_fields = self.env[model]._fields
        return {key: value for key, value in candidates.items() if key in model_fields}

    def _books(self):
        """A fingerprint of the books: journal entries and items, the ledger,
        statements and agreements, every column of every row (a write by the
        caller changes at least its ``write_uid``)."""
        self.env.flush_all()
        fingerprint = []
        for table in BOOKS:
            self.env.cr.execute(
                SQL(
                    "SELECT count(*), md5(string_agg(t::text, ',' ORDER BY t.id)) "
                    "FROM %s t",
                    SQL.identifier(table),
                )
            )
            fingerprint.append(self.env.cr.fetchone())
        return fingerprint

    def _rpc(self, user, model, name, records, refusals=UserError):
        """Call ``model.name`` as ``user`` through Odoo's RPC dispatch (what
        ``/web/dataset/call_kw`` runs), with plausible arguments; return
        (outcome, whether the books changed), the call undone. ``refusals``:
        the exceptions that count as a refusal (AccessError is a UserError)."""
        check_method_name(name)
        Model = self.env(user=user)[model]
        function = getattr(type(Model), name)
        args = []
        for param in list(inspect.signature(function).parameters.values())[1:]:
            if param.default is not param.empty or param.kind in (
                param.VAR_POSITIONAL,
                param.VAR_KEYWORD,
            ):
                continue
            self.assertIn(
                param.name,
                ARGUMENTS,
                f"{model}.{name}: give ARGUMENTS a plausible '{param.name}'",
            )
            args.append(ARGUMENTS[param.name](self, model))
        if not getattr(getattr(Model, name), "_api", None):
            args.insert(0, records.ids)
        before = self._books()
        # Undone once measured, whatever the outcome: the next call starts clean.
        savepoint = self.env.cr.savepoint()
        try:
            try:
                result = call_kw(Model, name, args, {})
                outcome = ("returned", result)
            except refusals as error:
                outcome = (type(error).__name__, str(error))
            changed = self._books() != before
        finally:
            savepoint.close(rollback=True)
            self.env.invalidate_all()
        return outcome, changed

    # ------------------------------------------------------------------
    # Tests
    # ------------------------------------------------------------------

    def test_methods_found(self):
        """The enumeration sees our models, Odoo's we extend, and wizards."""
        methods = self._our_public_methods()
        self.assertIn("action_create_bill", methods["revshare.settlement"])
        self.assertIn("action_revshare_approve", methods["revshare.line"])
        self.assertIn("create", methods["revshare.line"])
        self.assertIn("action_view_revshare_lines", methods["account.move"])
        self.assertIn("action_settle", methods["revshare.settlement.run"])
        self.assertNotIn("init", methods.get("revshare.review", []))

    @mute_logger("odoo.models.unlink", "odoo.addons.mail.models.mail_mail")
    def test_public_methods_change_nothing(self):
        """Each public method, as a portal user and as an employee without
        accounting rights, on their partner's records, another partner's and
        none: refused, or harmless (HARMLESS), and the books unchanged."""
        for model, name, records in self._calls():
            for user in (self.portal_a, self.employee):
                with self.subTest(
                    model=model, method=name, user=user.login, ids=records.ids
                ):
                    (kind, detail), changed = self._rpc(user, model, name, records)
                    self.assertFalse(changed, f"{kind}: {detail}")
                    if kind == "returned":
                        harmless = dict(HARMLESS)
                        if not records:
                            harmless.update(HARMLESS_ON_NOTHING)
                        self.assertIn(name, harmless, f"answered {detail!r}")

    def test_public_methods_read_only_user(self):
        """A revenue-share user reads the ledger (view buttons, the integrity
        check) but changes nothing: the writing actions are the managers'."""
        reader = self._create_user(
            "revshare_reader", "base.group_user,partner_revshare.group_revshare_user"
        )
        for model, name, records in self._calls():
            with self.subTest(model=model, method=name, ids=records.ids):
                # A button of one record called on none: ensure_one's ValueError,
                # as for Odoo's own buttons.
                (kind, detail), changed = self._rpc(
                    reader, model, name, records, refusals=(UserError, ValueError)
                )
                self.assertFalse(changed, f"{kind}: {detail}")

    def _calls(self):
        """(model, method, records) of every call to make: each public method on
        each record of :meth:`_records` (once for a model-level method)."""
        for model, names in self._our_public_methods().items():
            for name in names:
                if getattr(getattr(self.env[model], name), "_api", None):
                    yield model, name, self.env[model]
                    continue
                for records in self._records(model):
                    yield model, name, records

    def test_portal_cannot_bill_again(self):
        """Reported: a portal user billed a statement again over RPC."""
        bills = self.env["account.move"].search_count([])
        with self.assertRaises(AccessError):
            call_kw(
                self.env(user=self.portal_a)["revshare.settlement"],
                "action_create_bill",
                [self.statement_rebill.ids],
                {},
            )
        self.assertFalse(self.statement_rebill.bill_id)
        self.assertEqual(self.env["account.move"].search_count([]), bills)
        # The accountant's button still bills it.
        self.statement_rebill.with_user(self.accountant).action_create_bill()
        self.assertEqual(self.statement_rebill.bill_id.amount_total, 60.0)

    def test_portal_reads_owed_rows_only(self):
        """A partner reads the rows it is owed or was paid (earned, settled and
        their reversals) and the expected shares of posted invoices; never a row
        waiting for approval, rejected or cancelled."""
        Line = self.env(user=self.portal_a)["revshare.line"]
        hidden = self.row_to_approve | self.row_rejected | self.row_cancelled
        self.assertFalse(Line.search([("id", "in", hidden.ids)]))
        for row in hidden:
            with self.assertRaises(AccessError):
                Line.browse(row.id).read(["note"])
        self.assertIn(self.row_expected, Line.search([]))

    def test_portal_display_name(self):
        rows = self.env(user=self.portal_a)["revshare.line"].browse(self.row_1.ids)
        self.assertEqual(
            rows.display_name,
            f"{self.agreement_a.code} - {self.invoice_1.name}",
        )

    def test_portal_line_create_is_refused(self):
        with self.assertRaises(AccessError):
            self.env(user=self.portal_a)["revshare.line"].create({"amount": 5.0})


@tagged("post_install", "-at_install")
class TestRevshareReportRoutes(RevsharePortalCommon):
    """The statement report and the portal routes answer 4xx (or send the user
    back), never 500, for a missing, zero, negative or another partner's id."""

    def test_report_routes(self):
        self.authenticate("revshare_portal_a", "revshare_portal_a")
        report = "partner_revshare.report_revshare_statement"
        missing = self.env["revshare.settlement"].search([], order="id desc", limit=1)
        bad_ids = ("0", "-1", "abc", str(missing.id + 1000), str(self.statement_b.id))
        with self.assertNoLogs("odoo", level="ERROR"), mute_logger("odoo.http"):
            for converter in ("pdf", "html", "text"):
                for value in bad_ids:
                    url = f"/report/{converter}/{report}/{value}"
                    response = self.url_open(url, allow_redirects=False)
                    self.assertIn(response.status_code, (400, 403, 404), url)
        response = self.url_open(f"/report/html/{report}/{self.statement_a.id}")
        self.assertEqual(response.status_code, 200)
        self.assertIn(self.statement_a.name, response.text)

    def test_json_rpc_refuses_actions(self):
        """Over ``/web/dataset/call_kw``, as the report found it: a partner's
        portal user cannot confirm, bill or cancel its statement."""
        self.authenticate("revshare_portal_a", "revshare_portal_a")
        moves = self.env["account.move"].search_count([])
        for method in ("action_confirm", "action_create_bill", "action_cancel"):
            with (
                self.subTest(method=method),
                mute_logger("odoo.http"),
                self.assertRaises(JsonRpcException) as caught,
            ):
                self.make_jsonrpc_request(
                    "/web/dataset/call_kw",
                    {
                        "model": "revshare.settlement",
                        "method": method,
                        "args": [self.statement_old.ids],
                        "kwargs": {},
                    },
                )
            self.assertEqual(caught.exception.args[0], "odoo.exceptions.AccessError")
        self.assertEqual(self.env["account.move"].search_count([]), moves)
        self.assertEqual(self.statement_old.state, "confirmed")

    def test_portal_routes_foreign_ids(self):
        self.authenticate("revshare_portal_a", "revshare_portal_a")
        missing = self.env["revshare.settlement"].search([], order="id desc", limit=1)
        with self.assertNoLogs("odoo", level="ERROR"):
            for url in (
                f"/my/revshare/statements/{self.statement_b.id}",
                f"/my/revshare/statements/{self.statement_b.id}?report_type=pdf",
                f"/my/revshare/statements/{self.statement_a_draft.id}?report_type=pdf",
                f"/my/revshare/statements/{missing.id + 1000}?report_type=pdf",
                f"/my/revshare/agreements/{self.agreement_b.id}",
                f"/my/revshare/lines?agreement={self.agreement_b.id}",
            ):
                response = self.url_open(url, allow_redirects=False)
                self.assertIn(response.status_code, (303, 404), url)
