from odoo.tests import tagged
from odoo.tests.common import JsonRpcException

from .test_portal import RevsharePortalCommon

# Values a visitor can type in any parameter: Unicode digits ("²", Arabic-Indic
# "١"), ids beyond PostgreSQL's integer, year 0 and 9999, empty, signs, NUL.
BAD_VALUES = (
    "%C2%B2",
    "%D9%A1",
    "99999999999999999999",
    "2147483648",
    "0",
    "-1",
    "1e3",
    "0000",
    "0000-01",
    "9999-12",
    "2026-13",
    "2026-1",
    "abc",
    "",
    "%00",
    "%20%3D1",
)
# Route ids (path segments) that are not ids.
BAD_IDS = ("0", "99999999999999999999", "2147483648", "%C2%B2", "%D9%A1", "-1")


@tagged("post_install", "-at_install")
class TestPortalParams(RevsharePortalCommon):
    """Every parameter of every portal route, with a table of bad values: never an
    error page (500), never an ERROR in the log; bad values are ignored, or the
    page answers 404 or sends the user back."""

    def _assert_answers(self, url, method="GET", data=None):
        if method == "POST":
            response = self.url_open(url, data=data, allow_redirects=False)
        else:
            response = self.url_open(url, allow_redirects=False)
        # 301: the router's own redirect of a path it normalises.
        self.assertIn(response.status_code, (200, 301, 302, 303, 400, 404), url)
        return response

    def test_query_parameters(self):
        self.authenticate("revshare_portal_a", "revshare_portal_a")
        statement = f"/my/revshare/statements/{self.statement_a.id}"
        queries = {
            "/my/revshare": ("page",),
            "/my/revshare/agreements": ("page",),
            "/my/revshare/lines": ("agreement", "period", "kind", "state", "sortby"),
            "/my/revshare/lines/csv": (
                "agreement",
                "period",
                "kind",
                "state",
                "sortby",
            ),
            "/my/revshare/statements": ("sortby",),
            statement: ("report_type", "download", "message", "access_token"),
        }
        with self.assertNoLogs("odoo", level="ERROR"):
            for url, params in queries.items():
                for param in params:
                    for value in BAD_VALUES:
                        self._assert_answers(f"{url}?{param}={value}")

    def test_path_ids(self):
        self.authenticate("revshare_portal_a", "revshare_portal_a")
        with self.assertNoLogs("odoo", level="ERROR"):
            for value in BAD_IDS:
                for url in (
                    f"/my/revshare/agreements/{value}",
                    f"/my/revshare/agreements/page/{value}",
                    f"/my/revshare/lines/page/{value}",
                    f"/my/revshare/statements/{value}",
                    f"/my/revshare/statements/page/{value}",
                ):
                    self._assert_answers(url)

    def test_post_routes(self):
        url = f"/my/revshare/statements/{self.statement_a.id}"
        csrf = self._csrf(url)
        with self.assertNoLogs("odoo", level="ERROR"):
            for value in BAD_IDS:
                for action in ("acknowledge", "dispute"):
                    self._assert_answers(
                        f"/my/revshare/statements/{value}/{action}",
                        "POST",
                        {"csrf_token": csrf, "dispute_message": "x"},
                    )
            for value in BAD_VALUES:
                self._assert_answers(
                    f"{url}/dispute",
                    "POST",
                    {"csrf_token": csrf, "access_token": value},
                )
        self.assertFalse(self._messages(self.statement_a))

    def test_unicode_digits_are_not_ids(self):
        """ "١" (Arabic-Indic one) and "²" are digits for Python, not ids: the
        ledger filter refuses them instead of reading agreement 1 or failing."""
        for value in ("%D9%A1", "%C2%B2", "99999999999999999999"):
            response = self._assert_redirected_away(
                f"/my/revshare/lines?agreement={value}"
            )
            self.assertTrue(response.headers["Location"].endswith("/my/revshare/lines"))
            response = self.url_open(f"/my/revshare/lines/csv?agreement={value}")
            self.assertEqual(response.status_code, 404)

    def _line_ids(self, url):
        tree = self._tree(url)
        return [int(tr.get("data-line_id")) for tr in tree.xpath("//tr[@data-line_id]")]

    def test_periods_out_of_range_ignored(self):
        all_rows = self._line_ids("/my/revshare/lines")
        for period in ("0000", "0000-01", "9999-12", "2026-00", "%EF%BC%92%EF%BC%90"):
            self.assertEqual(
                self._line_ids(f"/my/revshare/lines?period={period}"), all_rows
            )

    def test_dispute_limits(self):
        """A dispute is at most 5,000 characters; a second dispute while the first
        is open posts nothing (the partner writes in its thread meanwhile)."""
        url = f"/my/revshare/statements/{self.statement_a.id}"
        csrf = self._csrf(url)
        response = self.url_open(
            f"{url}/dispute",
            data={"csrf_token": csrf, "dispute_message": "x" * 5001},
        )
        self.assertIn("Your message is too long", response.text)
        self.assertFalse(self._messages(self.statement_a))
        for text in ("Rate wrong", "Also the March invoice is missing"):
            self.url_open(
                f"{url}/dispute", data={"csrf_token": csrf, "dispute_message": text}
            )
        self.assertEqual(len(self._messages(self.statement_a)), 1)
        self.assertEqual(len(self.statement_a.activity_ids), 1)
        # Once answered (done), a new dispute opens a new to-do.
        self.statement_a.activity_ids.action_done()
        self.url_open(
            f"{url}/dispute", data={"csrf_token": csrf, "dispute_message": "Again"}
        )
        self.assertEqual(len(self.statement_a.activity_ids), 1)
        self.assertEqual(len(self._messages(self.statement_a)), 2)

    def test_json_rpc_reads_no_books(self):
        """Over JSON-RPC a partner reads what the portal shows: not the draft
        agreement, not accounts, journals, salespersons, documents or company
        amounts."""
        self.authenticate("revshare_portal_a", "revshare_portal_a")

        def call(model, method, *args, **kwargs):
            return self.make_jsonrpc_request(
                "/web/dataset/call_kw",
                {"model": model, "method": method, "args": args, "kwargs": kwargs},
            )

        agreements = call("revshare.agreement", "search_read", [], ["name"])
        self.assertEqual(
            {a["id"] for a in agreements}, {self.agreement_a.id, self.agreement_p.id}
        )
        agreement_fields = call("revshare.agreement", "fields_get", [], ["type"])
        for internal in (
            "expense_account_id",
            "payable_account_id",
            "journal_id",
            "journal_ids",
            "salesperson_ids",
        ):
            self.assertNotIn(internal, agreement_fields)
        [row] = call("revshare.line", "read", [self.row_1.id], ["amount", "state"])
        self.assertEqual(row["amount"], 100.0)
        line_fields = call("revshare.line", "fields_get", [], ["type"])
        for internal in (
            "amount_company",
            "amount_earned_company",
            "amount_expected_company",
            "move_id",
            "expense_account_id",
            "payable_account_id",
        ):
            self.assertNotIn(internal, line_fields)
            with self.assertLogs("odoo.http", level="WARNING"):
                with self.assertRaises(JsonRpcException):
                    call("revshare.line", "read", [self.row_1.id], [internal])
