/** @odoo-module **/

import {registry} from "@web/core/registry";

/**
 * The partner reads the answer to its dispute on the statement, then finds the
 * adjustment it brought, with its reason, in its ledger.
 */
registry.category("web_tour.tours").add("partner_revshare_dispute_answer_tour", {
    steps: () => [
        {
            content: "The answer is in the statement's communication history",
            trigger: "#chatterRoot:shadow .o-mail-Message:contains(Answer to your dispute)",
        },
        {
            content: "Back to the statements",
            trigger: '.o_portal_submenu a[href="/my/revshare/statements"]',
            run: "click",
        },
        {
            content: "Go to the ledger",
            trigger: '.o_revshare_nav a[href="/my/revshare/lines"]',
            run: "click",
        },
        {
            content: "The adjustment is there, with its reason",
            trigger: "tr.o_revshare_line .o_revshare_note:contains(You are right: 5.00 added.)",
        },
    ],
});
