from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestRevshareModelSlices(TransactionCase):
    """Each model is one class made of named mixins: what a model enforces is the
    sum of what each of its mixins adds, whatever order the files load in."""

    def test_ledger_mutable_fields_of_every_slice(self):
        names = self.env["revshare.line"]._revshare_mutable_field_names()
        self.assertLessEqual(
            {
                # revshare.line: links and settlement state
                "move_id",
                "move_line_id",
                "state",
                # revshare.line.settlement: the settlement link
                "settlement_ids",
                # revshare.line.adjustment: the approver
                "approver_id",
                # revshare.line.hold: the hold
                "hold_reason",
            },
            names,
        )
        # What a row is about and its figures stay frozen.
        self.assertFalse(names & {"agreement_id", "amount", "amount_company", "date"})

    def test_ledger_transitions_of_every_slice(self):
        steps = self.env["revshare.line"]._revshare_allowed_transitions()
        self.assertLessEqual(
            {
                # revshare.line
                ("expected", "earned"),
                ("expected", "cancelled"),
                ("earned", "settled"),
                ("settled", "earned"),
                # revshare.line.adjustment
                ("to_approve", "earned"),
                ("to_approve", "cancelled"),
            },
            steps,
        )
        self.assertNotIn(("earned", "expected"), steps)

    def test_ledger_derived_fields_of_every_slice(self):
        names = self.env["revshare.line"]._revshare_derived_field_names()
        self.assertLessEqual(
            {
                # revshare.line
                "agreement_id",
                "partner_id",
                "invoice_line_id",
                "currency_id",
                "rate",
                # revshare.line.terms
                "customer_month",
                "overridden_agreement_id",
                # revshare.line.payee
                "payee_id",
            },
            names,
        )

    def test_rule_history_fields_of_every_slice(self):
        names = self.env["revshare.rule"]._revshare_history_field_names()
        self.assertLessEqual(
            {
                # revshare.rule
                "agreement_id",
                "compute",
                "rate",
                "tier_ids",
                "date_start",
                # revshare.rule.tenure
                "customer_month_from",
                "customer_month_to",
            },
            names,
        )

    def test_one_class_per_model(self):
        """The ledger, the agreement and the rule each inherit their named mixins,
        and no other class of this addon extends them."""
        expected = {
            "revshare.line": {
                "revshare.line.approval",
                "revshare.line.hold",
                "revshare.line.adjustment",
                "revshare.line.terms",
                "revshare.line.payee",
                "revshare.line.portal",
                "revshare.line.booking",
                "revshare.line.hooks",
            },
            "revshare.agreement": {
                "revshare.share.computation",
                "revshare.agreement.terms",
                "revshare.agreement.portal",
                "revshare.agreement.tax",
                "revshare.agreement.approval",
                "revshare.agreement.period",
                "revshare.agreement.accounting",
                "revshare.agreement.payee",
            },
            "revshare.rule": {"revshare.rule.tenure", "revshare.rule.hooks"},
        }
        for model_name, mixins in expected.items():
            model = self.env[model_name]
            inherited = {getattr(cls, "_name", None) for cls in type(model).mro()}
            self.assertLessEqual(mixins, inherited, model_name)
            ours = [
                cls
                for cls in type(model).mro()
                if cls.__module__.startswith("odoo.addons.partner_revshare.")
                and getattr(cls, "_name", None) == model_name
            ]
            self.assertEqual(len(ours), 1, f"{model_name}: {ours}")
