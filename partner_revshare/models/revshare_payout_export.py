"""The files a payout batch is exported as, built from its records without the ORM's
help: a SEPA credit transfer (pain.001.001.09 or .03, by the ``sepaxml`` library,
validated against the schema it ships) and one CSV format (readme/USAGE.md).

Bank accounts are checked here too, with ``python-stdnum`` (an Odoo requirement):
an account number in IBAN form (two letters, two digits) must be a valid IBAN
(country length and checksum), a BIC must be valid; SEPA needs an IBAN."""

import csv
import io
import re

from stdnum import bic as stdnum_bic
from stdnum import iban as stdnum_iban

from odoo.exceptions import UserError

try:
    from sepaxml import SepaTransfer
    from sepaxml.validation import ValidationError as SepaValidationError
except ImportError:  # declared in the manifest's external_dependencies
    SepaTransfer = SepaValidationError = None

SEPA_SCHEMAS = ("pain.001.001.09", "pain.001.001.03")
CSV_COLUMNS = (
    "payout",
    "payment",
    "date",
    "partner",
    "partner_ref",
    "account_number",
    "bic",
    "amount",
    "currency",
    "statements",
)
# An account number written as an IBAN: a country code and two check digits.
IBAN_FORM = re.compile(r"^[A-Za-z]{2}[0-9]{2}")


def compact(number):
    return re.sub(r"\s+", "", number or "").upper()


def is_iban_form(number):
    return bool(IBAN_FORM.match(compact(number)))


def bank_account_problem(env, bank, need_iban=False):
    """Why ``bank`` (res.partner.bank) cannot receive a transfer (a sentence),
    or None."""
    number = compact(bank.acc_number)
    if (need_iban or is_iban_form(number)) and not stdnum_iban.is_valid(number):
        return env._(
            "the IBAN %(iban)s of %(partner)s is not valid: correct it on the "
            "partner's bank account.",
            iban=bank.acc_number,
            partner=bank.partner_id.display_name,
        )
    bic = compact(bank.bank_bic)
    if bic and not stdnum_bic.is_valid(bic):
        return env._(
            "the BIC %(bic)s of the bank of %(partner)s is not valid: correct it "
            "on the bank.",
            bic=bank.bank_bic,
            partner=bank.partner_id.display_name,
        )
    return None


def _amount_cents(line):
    currency = line.payout_id.currency_id
    return int(round(currency.round(line.amount) * 100))


def _remittance(line):
    return ", ".join(line.settlement_ids.sorted("id").mapped("name"))


def sepa_file(env, payout, lines, schema):
    """The pain.001 file paying ``lines`` (revshare.payout.line) of ``payout``
    from its journal's bank account, validated against ``schema``'s XSD."""
    if SepaTransfer is None:
        raise UserError(env._("Install the Python library sepaxml to export SEPA."))
    debtor = payout.journal_id.bank_account_id
    config = {
        "name": payout.company_id.name,
        "IBAN": compact(debtor.acc_number),
        "batch": True,
        "currency": payout.currency_id.name,
    }
    if debtor.bank_bic:
        config["BIC"] = compact(debtor.bank_bic)
    transfer = SepaTransfer(config, schema=schema, clean=True)
    for line in lines:
        payment = {
            "name": line.partner_id.name,
            "IBAN": compact(line.bank_account_id.acc_number),
            "amount": _amount_cents(line),
            "execution_date": payout.date,
            "description": _remittance(line)[:140],
            "endtoend_id": re.sub(
                r"[^A-Za-z0-9/\-?:().,'+ ]", "", line.payment_id.name
            )[:35],
        }
        if line.bank_account_id.bank_bic:
            payment["BIC"] = compact(line.bank_account_id.bank_bic)
        transfer.add_payment(payment)
    try:
        return transfer.export(validate=True)
    except SepaValidationError as error:
        raise UserError(
            env._(
                "The SEPA file of %(payout)s does not validate against %(schema)s: "
                "%(error)s",
                payout=payout.name,
                schema=schema,
                error=error.__cause__ or error,
            )
        ) from error


def csv_file(payout, lines):
    """The CSV of ``lines`` of ``payout``: one row per payment, the columns of
    :data:`CSV_COLUMNS` (readme/USAGE.md), amounts with a dot and the currency's
    decimals."""
    stream = io.StringIO()
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    digits = payout.currency_id.decimal_places
    for line in lines:
        writer.writerow(
            (
                payout.name,
                line.payment_id.name,
                payout.date.isoformat(),
                line.partner_id.name,
                line.partner_id.ref or "",
                compact(line.bank_account_id.acc_number),
                compact(line.bank_account_id.bank_bic),
                f"{payout.currency_id.round(line.amount):.{digits}f}",
                payout.currency_id.name,
                _remittance(line),
            )
        )
    return stream.getvalue().encode()
