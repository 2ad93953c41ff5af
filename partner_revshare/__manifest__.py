{
    "name": "Partner Revenue Share",
    "summary": "Share revenue with resellers, agents, technology partners and "
    "gateways by agreement, with an exact ledger in Odoo accounting",
    "version": "18.0.1.0.0",
    "category": "Accounting",
    "website": "https://github.com/partner-revshare/partner-revshare",
    "author": "Partner Revshare contributors",
    "license": "LGPL-3",
    "depends": ["account", "portal", "mail"],
    "data": [
        "security/partner_revshare_groups.xml",
        "security/revshare_security.xml",
        "security/ir.model.access.csv",
        "data/ir_sequence_data.xml",
        "data/ir_cron_data.xml",
    ],
    "demo": [],
    "installable": True,
    "application": False,
}
