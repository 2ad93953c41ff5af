from unittest.mock import patch

from odoo import fields
from odoo.tests import tagged

from odoo.addons.partner_revshare.controllers.portal import RevsharePortal

from .common_portal import RevsharePortalCommon, _find, _text

# The columns of the lines CSV, in order.
LINES_CSV_HEADER = [
    "Date",
    "Agreement",
    "Kind",
    "State",
    "Statement",
    "Invoice",
    "Customer",
    "Product",
    "Currency",
    "Base",
    "Rate (%)",
    "Amount",
    "Still Expected",
    "Reason",
]


@tagged("post_install", "-at_install")
class TestPortalLines(RevsharePortalCommon):
    """The ledger page: rows, filters, sorting, pages, access and its CSV."""

    def test_lines_all(self):
        ids = self._line_ids("/my/revshare/lines")
        # Cancelled and B's rows are not shown; newest first.
        self.assertEqual(
            set(ids),
            {
                self.row_1.id,
                self.row_2.id,
                self.row_old.id,
                self.row_p.id,
                self.row_clawback.id,
                self.row_expected.id,
            },
        )
        self.assertEqual(ids[-1], self.row_old.id)
        tree = self._tree("/my/revshare/lines")

        def cells(row):
            tr = _find(tree, f"tr.o_revshare_line[data-line_id='{row.id}']")[0]
            return [_text(td) for td in _find(tr, "td")]

        # Date, agreement, invoice, customer, product, kind, state, statement,
        # base, rate, amount. The draft statement's row is earned for the partner.
        self.assertEqual(
            cells(self.row_1)[2:8],
            [
                self.invoice_1.name,
                "Customer One",
                self.product_cloud.display_name,
                "Share",
                "Earned",
                "",
            ],
        )
        self.assertEqual(cells(self.row_1)[-1], "$ 100.00")
        self.assertEqual(cells(self.row_2)[6:8], ["Settled", self.statement_a.name])
        link = _find(tree, f"tr.o_revshare_line[data-line_id='{self.row_2.id}'] a")
        self.assertEqual(
            link[0].get("href"), f"/my/revshare/statements/{self.statement_a.id}"
        )
        self.assertNotIn("customer.one@example.com", tree.text_content())

    def test_lines_filters(self):
        base = "/my/revshare/lines"
        self.assertEqual(
            self._line_ids(f"{base}?kind=clawback"), [self.row_clawback.id]
        )
        self.assertEqual(
            self._line_ids(f"{base}?state=expected"), [self.row_expected.id]
        )
        # Settled: on an issued statement; the draft statement's row is earned.
        self.assertEqual(
            set(self._line_ids(f"{base}?state=settled")),
            {self.row_2.id, self.row_old.id, self.row_p.id},
        )
        self.assertEqual(
            set(self._line_ids(f"{base}?state=earned")),
            {self.row_1.id, self.row_clawback.id},
        )
        month = self.this_month.strftime("%Y-%m")
        self.assertEqual(
            set(self._line_ids(f"{base}?period={month}")),
            {self.row_1.id, self.row_clawback.id, self.row_expected.id},
        )
        self.assertEqual(
            self._line_ids(f"{base}?period={month}&kind=share&state=earned"),
            [self.row_1.id],
        )
        self.assertEqual(
            set(self._line_ids(f"{base}?period={self.old_month.year}"))
            & {self.row_old.id},
            {self.row_old.id},
        )
        self.assertEqual(
            len(self._line_ids(f"{base}?agreement={self.agreement_a.id}")), 5
        )
        self.assertEqual(
            self._line_ids(f"{base}?agreement={self.agreement_p.id}"), [self.row_p.id]
        )
        # Bad values are ignored rather than failing.
        self.assertEqual(len(self._line_ids(f"{base}?kind=nonsense&period=20x6")), 6)
        # The cancelled state cannot be asked for.
        self.assertEqual(len(self._line_ids(f"{base}?state=cancelled")), 6)

    def test_lines_sorting_and_pages(self):
        base = "/my/revshare/lines"
        ids = self._line_ids(f"{base}?sortby=amount")
        self.assertEqual(ids[0], self.row_old.id)  # 200.00
        self.assertEqual(ids[-1], self.row_clawback.id)  # -30.00
        self.assertEqual(self._line_ids(f"{base}?sortby=date_asc")[0], self.row_old.id)
        with patch.object(RevsharePortal, "_items_per_page", 2):
            page_1 = self._line_ids(f"{base}?sortby=amount")
            page_3 = self._line_ids(f"{base}/page/3?sortby=amount")
            tree = self._tree(f"{base}/page/2?sortby=amount&kind=share")
        self.assertEqual(len(ids), 6)
        self.assertEqual(page_1, ids[:2])
        self.assertEqual(page_3, ids[4:])
        # The pager keeps the filters.
        links = [a.get("href") for a in _find(tree, ".o_portal_pager a")]
        self.assertTrue(any("kind=share" in (link or "") for link in links), links)

    def test_lines_agreement_of_other_partner(self):
        response = self._assert_redirected_away(
            f"/my/revshare/lines?agreement={self.agreement_b.id}"
        )
        self.assertTrue(response.headers["Location"].endswith("/my/revshare/lines"))
        self.assertNotIn(
            self.secret_customer.name, self._get("/my/revshare/lines").text
        )

    def _share_csv_row(self, day, agreement, state, documents, base, amounts):
        """A share row of the lines CSV at 10 %, in the company currency, with no
        reason: ``documents`` (statement, invoice, customer, product names),
        ``amounts`` (amount, still expected)."""
        return [
            fields.Date.to_string(day),
            agreement.display_name,
            "Share",
            state,
            *documents,
            self.currency.name,
            base,
            "10.0000",
            *amounts,
            "",
        ]

    def test_lines_csv(self):
        rows = self._csv("?kind=share&sortby=amount")
        self.assertEqual(rows[0], LINES_CSV_HEADER)
        cloud = self.product_cloud.display_name
        self.assertEqual(
            rows[1:],
            [
                self._share_csv_row(
                    self.old_month,
                    self.agreement_a,
                    "Settled",
                    (
                        self.statement_old.name,
                        self.invoice_old.name,
                        "Customer One",
                        cloud,
                    ),
                    "2000.00",
                    ("200.00", "0.00"),
                ),
                self._share_csv_row(
                    self.this_month,
                    self.agreement_a,
                    "Earned",
                    ("", self.invoice_1.name, "Customer One", cloud),
                    "1000.00",
                    ("100.00", "0.00"),
                ),
                self._share_csv_row(
                    self.last_month,
                    self.agreement_a,
                    "Settled",
                    (
                        self.statement_a.name,
                        self.invoice_2.name,
                        "Customer Two",
                        self.product_service.display_name,
                    ),
                    "500.00",
                    ("50.00", "0.00"),
                ),
                self._share_csv_row(
                    self.this_month,
                    self.agreement_a,
                    "Expected",
                    ("", "", "Customer Two", ""),
                    "400.00",
                    ("40.00", "40.00"),
                ),
                self._share_csv_row(
                    self.last_month,
                    self.agreement_p,
                    "Settled",
                    (
                        self.statement_a.name,
                        self.invoice_p.name,
                        "Periodic Customer",
                        cloud,
                    ),
                    "300.00",
                    ("30.00", "0.00"),
                ),
            ],
        )
        content = "\n".join(",".join(r) for r in rows)
        for private in ("customer.one@example.com", "+3212345678", "Secret Customer"):
            self.assertNotIn(private, content)

    def test_lines_csv_all_pages_and_filters(self):
        with patch.object(RevsharePortal, "_items_per_page", 2):
            rows = self._csv()
        self.assertEqual(len(rows), 1 + 6)
        self.assertEqual(len(self._csv("?kind=clawback")), 2)
        rows_b = self._csv(login="revshare_portal_b")
        self.assertEqual(len(rows_b), 2)
        self.assertEqual(rows_b[1][6], "Secret Customer Of B")

    def test_lines_csv_denied(self):
        self.authenticate("revshare_portal_a", "revshare_portal_a")
        for agreement in (self.agreement_b.id, self.agreement_b.id + 1000, "x1"):
            response = self.url_open(f"/my/revshare/lines/csv?agreement={agreement}")
            self.assertEqual(response.status_code, 404, agreement)
            self.assertNotIn("Secret Customer", response.text)

    def test_lines_csv_formula_injection(self):
        self.customer2.name = '=HYPERLINK("http://evil")'
        rows = self._csv("?state=expected")
        self.assertEqual(rows[1][6], '\'=HYPERLINK("http://evil")')
        # Spreadsheets skip leading spaces before a formula: neutralised too.
        for name in (" =1+1", "  +1", " -1", " @SUM(A1)"):
            self.customer2.name = name
            self.assertEqual(self._csv("?state=expected")[1][6], "'" + name)

    def test_lines_csv_accents_and_rates(self):
        """Accented names survive a spreadsheet (BOM) and rates keep decimals."""
        self.customer2.name = "Société Générale"
        self.row_expected.sudo().rate = 7.125
        row = self._csv("?state=expected")[1]
        self.assertEqual(row[6], "Société Générale")
        self.assertEqual(row[10], "7.1250")
