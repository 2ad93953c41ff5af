{
    "name": "Partner Revenue Share on Payments",
    "summary": "Earn partner revenue shares when customer invoices are paid, "
    "pro rata and reversibly, from any reconciliation or payment provider",
    "version": "18.0.1.4.0",
    "category": "Accounting",
    "website": "https://github.com/partner-revshare/partner-revshare",
    "author": "Partner Revshare contributors",
    "license": "LGPL-3",
    "depends": ["partner_revshare", "account_payment"],
    "data": [
        "views/revshare_agreement_views.xml",
        "views/revshare_line_views.xml",
        "views/account_payment_views.xml",
        "views/account_move_views.xml",
    ],
    "demo": ["demo/partner_revshare_payment_demo.xml"],
    "installable": True,
    "auto_install": False,
}
