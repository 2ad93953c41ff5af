/** @odoo-module **/

import {registry} from "@web/core/registry";

/**
 * A partner goes from the portal home to its running account, opens its
 * statement and disputes it with a message.
 */
registry.category("web_tour.tours").add("partner_revshare_portal_tour", {
    url: "/my",
    steps: () => [
        {
            content: "Open the revenue share entry of the portal home",
            trigger: 'a[href="/my/revshare"]',
            run: "click",
        },
        {
            content: "The running account shows the balance due",
            trigger: ".o_revshare_balance",
        },
        {
            content: "Go to the statements",
            trigger: '.o_revshare_nav a[href="/my/revshare/statements"]',
            run: "click",
        },
        {
            content: "Open the statement",
            trigger: "tr.o_revshare_statement_row a",
            run: "click",
        },
        {
            content: "Explain what is wrong",
            trigger: "form.o_revshare_dispute textarea[name=dispute_message]",
            run: "edit The rate of the March invoice is wrong.",
        },
        {
            content: "Send the dispute",
            trigger: "form.o_revshare_dispute button[type=submit]",
            run: "click",
        },
        {
            content: "The dispute is confirmed",
            trigger: ".o_revshare_feedback:contains(Your dispute was sent)",
        },
        {
            // As in the phone tour: no chatter request left running when the browser closes.
            content: "The dispute is in the statement's conversation",
            trigger: "#chatterRoot:shadow .o-mail-Message",
        },
    ],
});
