from odoo import fields
from odoo.tests import tagged
from odoo.tools import SQL

from .common import RevshareCommon

# Amounts that round differently to 1, 0.01 and 0.001, both signs.
RAW_AMOUNTS = (1.23456789, -2.5005, 0.0049, 1234.5678, -0.4999)


@tagged("post_install", "-at_install")
class TestRevshareMonetaryField(RevshareCommon):
    """The ledger's amounts (``RevshareMonetary``) are stored and cached as
    Odoo's ``fields.Monetary`` stores and caches them, in the row's agreement,
    company and invoice currencies of three different roundings."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Agreement in a currency of 3 decimals, invoice in one of none, company
        # in one of 2.
        cls.agreement_currency = cls.setup_other_currency(
            "KWD", rounding=0.001, rates=[("2016-01-01", 0.3)]
        )
        cls.invoice_currency = cls.setup_other_currency(
            "JPY", rounding=1.0, rates=[("2016-01-01", 150.0)]
        )
        cls.agreement = cls._create_agreement(
            currency_id=cls.agreement_currency.id, trigger="payment"
        )
        cls.invoice = cls._create_invoice(
            [(cls.product_cloud, 3, 1000.0), (cls.product_service, 1, 777.0)],
            currency=cls.invoice_currency,
        )
        cls.Line = cls.env["revshare.line"].sudo()
        cls.amount_fields = [
            field for field in cls.Line._fields.values() if field.type == "monetary"
        ]

    def _odoo_stored(self, field, value, vals):
        """What Odoo's Monetary inserts for ``value`` given ``vals``."""
        column = fields.Monetary.convert_to_column_insert(field, value, self.Line, vals)
        return float(column)

    def _stored(self, rows):
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "SELECT %s FROM revshare_line WHERE id IN %s ORDER BY id",
                SQL(", ").join(SQL.identifier(f.name) for f in self.amount_fields),
                tuple(rows.ids),
            )
        )
        return [[float(v) for v in row] for row in self.env.cr.fetchall()]

    def test_amounts_as_odoo_monetary(self):
        self.assertEqual(len(self.amount_fields), 8)
        rows = self.invoice.revshare_line_ids.sorted("id")
        self.assertEqual(len(rows), 2)
        self.assertEqual(rows.currency_id, self.agreement_currency)
        self.assertEqual(rows.invoice_currency_id, self.invoice_currency)
        self.assertEqual(rows.company_currency_id, self.currency)
        template = rows[0].copy_data()[0]
        # The figures are filled from the amounts, as at posting.
        for fname in self.Line._revshare_figure_fields:
            template.pop(fname)
        vals_list = []
        for raw in RAW_AMOUNTS:
            vals = dict(template, state="expected")
            for fname in ("base_amount", "amount", "amount_company"):
                vals[fname] = raw * 3
            vals["amount_invoice_currency"] = raw * 7
            vals_list.append(vals)
        created = self.Line.create(vals_list)
        # The create values now hold every figure (filled before the INSERT).
        expected = [
            [self._odoo_stored(f, vals[f.name], vals) for f in self.amount_fields]
            for vals in vals_list
        ]
        self.assertEqual(self._stored(created), expected)
        # Three roundings met: each amount rounded in its own currency.
        first = dict(
            zip((f.name for f in self.amount_fields), expected[0], strict=True)
        )
        raw = RAW_AMOUNTS[0]
        self.assertEqual(first["amount"], 3.704)
        self.assertEqual(first["amount_company"], 3.7)
        self.assertEqual(first["amount_expected_company"], 3.7)
        self.assertEqual(first["amount_invoice_currency"], 9.0)
        self.assertNotEqual(first["amount"], raw * 3)
        # The cache of the new rows, as Odoo's Monetary fills it.
        for row, vals in zip(created, vals_list, strict=True):
            for field in self.amount_fields:
                self.assertEqual(
                    row[field.name],
                    fields.Monetary.convert_to_cache(field, vals[field.name], row),
                    field.name,
                )

    def test_write_as_odoo_monetary(self):
        # An expected row's amounts written one row at a time and on several
        # rows at once: cached and stored as Odoo's Monetary does it.
        rows = self.invoice.sudo().revshare_line_ids.sorted("id")
        for raw, targets in ((RAW_AMOUNTS[0], rows[:1]), (RAW_AMOUNTS[1], rows)):
            targets.write(
                {
                    "base_amount": raw * 3,
                    "amount_company": raw * 3,
                    "amount_invoice_currency": raw * 7,
                }
            )
            for row in targets:
                self.assertEqual(
                    row.base_amount, self.agreement_currency.round(raw * 3)
                )
                self.assertEqual(row.amount_company, self.currency.round(raw * 3))
                self.assertEqual(
                    row.amount_invoice_currency, self.invoice_currency.round(raw * 7)
                )
            stored = self._stored(targets)
            targets.invalidate_recordset()
            for row, values in zip(targets, stored, strict=True):
                self.assertEqual(
                    values, [row[field.name] for field in self.amount_fields]
                )
                self.assertEqual(
                    row.base_amount, self.agreement_currency.round(raw * 3)
                )

    def test_statement_amounts_as_odoo_monetary(self):
        """A statement's amounts, inserted and then written (the flush's
        ``UPDATE``), are stored as Odoo's Monetary stores them in its currency
        (3 decimals here)."""
        Settlement = self.env["revshare.settlement"].sudo()
        field = Settlement._fields["amount_carried"]
        vals = {
            "partner_id": self.reseller.id,
            "currency_id": self.agreement_currency.id,
            "date_from": "2026-03-01",
            "date_to": "2026-03-31",
        }

        def stored(settlement):
            self.env.flush_all()
            self.env.cr.execute(
                "SELECT amount_carried FROM revshare_settlement WHERE id = %s",
                [settlement.id],
            )
            return float(self.env.cr.fetchone()[0])

        for raw in RAW_AMOUNTS:
            with self.subTest(amount=raw):
                settlement = Settlement.create(dict(vals, amount_carried=raw))
                odoo_insert = fields.Monetary.convert_to_column_insert(
                    field, raw, Settlement, vals
                )
                self.assertEqual(stored(settlement), float(odoo_insert))
                self.assertNotEqual(float(odoo_insert), raw)
                settlement.amount_carried = raw * 7
                odoo_update = fields.Monetary.convert_to_column_update(
                    field, settlement.amount_carried, settlement
                )
                self.assertEqual(stored(settlement), float(odoo_update))
                self.assertEqual(
                    float(odoo_update), self.agreement_currency.round(raw * 7)
                )
                settlement.action_cancel()
