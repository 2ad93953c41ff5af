from lxml import html

from odoo.tests import tagged

from .common_portal import RevsharePortalCommon, _find, _text


@tagged("post_install", "-at_install")
class TestRevshareTranslations(RevsharePortalCommon):
    """The French, German and Spanish translations shipped in ``i18n/`` load and
    reach every layer: field labels, selection values, Python messages, portal
    pages and the statement report."""

    LANGS = ("fr_FR", "de_DE", "es_ES")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for code in cls.LANGS:
            cls.env["res.lang"]._activate_lang(code)
        cls.env["ir.module.module"].search(
            [("name", "=", "partner_revshare")]
        )._update_translations(filter_lang=list(cls.LANGS), overwrite=True)

    def _field(self, lang, model, fname):
        return self.env[model].with_context(lang=lang).fields_get([fname])[fname]

    def test_field_labels_and_selections(self):
        for lang, label, earned, clawback in (
            ("fr_FR", "Encore attendu", "Acquis", "Reprise"),
            ("de_DE", "Noch erwartet", "Verdient", "Rückforderung"),
            ("es_ES", "Aún previsto", "Devengado", "Recuperación"),
        ):
            with self.subTest(lang=lang):
                field = self._field(lang, "revshare.line", "amount_expected")
                self.assertEqual(field["string"], label)
                states = dict(self._field(lang, "revshare.line", "state")["selection"])
                self.assertEqual(states["earned"], earned)
                kinds = dict(self._field(lang, "revshare.line", "kind")["selection"])
                self.assertEqual(kinds["clawback"], clawback)

    def test_python_messages(self):
        """Messages built in Python (the agreement in plain words) are translated
        in the language of the environment."""
        agreement = self.agreement_a.with_context(lang="es_ES")
        terms = dict(agreement._revshare_portal_terms())
        self.assertEqual(
            terms["Base"],
            "Las participaciones se calculan sobre el importe sin impuestos de "
            "cada línea de factura.",
        )
        rule = self.agreement_a.rule_ids.with_context(lang="fr_FR")
        words = rule._revshare_plain_words()
        self.assertEqual(words["text"], "10% de la base")
        self.assertTrue(words["details"].startswith("au plus "), words["details"])

    def test_portal_pages(self):
        """The portal speaks the portal user's language, templates and the
        controller's own labels alike."""
        self.portal_a.lang = "fr_FR"
        tree = self._tree("/my/revshare")
        page = _text(tree)
        for text in ("Compte courant", "Solde d'ouverture au", "À décompter", "Versé"):
            self.assertIn(text, page)
        self.assertNotIn("Running account", page)
        self.portal_a.lang = "de_DE"
        tree = self._tree("/my/revshare/statements")
        sort_labels = [_text(a) for a in _find(tree, "a.dropdown-item")]
        self.assertIn("Neueste", sort_labels)
        self.assertIn("Abrechnungen", _text(tree))

    def test_statement_report(self):
        """The statement is printed in its partner's language, draft mark and
        sections included."""
        self.reseller.lang = "de_DE"
        page = html.fromstring(self._statement_html(self.statement_a_draft))
        text = _text(page)
        self.assertIn(
            "ENTWURF: nicht versendet, die Beträge können sich noch ändern", text
        )
        self.assertIn("Umsatzbeteiligungsabrechnung", text)
        self.assertIn("Rückforderungen und Stornierungen", text)
        self.reseller.lang = "fr_FR"
        text = _text(html.fromstring(self._statement_html(self.statement_a_draft)))
        self.assertIn(
            "BROUILLON : non envoyé, les montants peuvent encore changer", text
        )
        self.assertIn("Relevé de partage de revenus", text)

    def test_csv_in_portal_language(self):
        """The CSV speaks the language chosen in the portal's URL."""
        self.authenticate("revshare_portal_a", "revshare_portal_a")
        response = self.url_open("/fr/my/revshare/lines/csv")
        self.assertEqual(response.status_code, 200)
        header = response.content.decode("utf-8-sig").splitlines()[0].split(",")
        self.assertIn("Taux (%)", header)
        self.assertIn("Encore attendu", header)
        self.assertNotIn("Still Expected", header)
