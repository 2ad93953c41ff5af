/** @odoo-module **/

import {registry} from "@web/core/registry";

/**
 * On a phone: the running account's chart renders, and neither the running
 * account nor the ledger makes the page scroll sideways (wide tables scroll
 * inside their own box).
 */
function assertNoPageScroll() {
    const page = document.documentElement;
    if (page.scrollWidth > window.innerWidth) {
        throw new Error(
            `The page scrolls sideways: ${page.scrollWidth}px wide on a ${window.innerWidth}px screen`
        );
    }
}

registry.category("web_tour.tours").add("partner_revshare_portal_phone_tour", {
    url: "/my/revshare",
    steps: () => [
        {
            content: "The chart has three bars a month for twelve months",
            trigger: ".o_revshare_chart svg",
            run() {
                const bars = document.querySelectorAll(".o_revshare_chart rect.o_revshare_bar");
                if (bars.length !== 36) {
                    throw new Error(`${bars.length} bars instead of 36`);
                }
                const tallest = Math.max(...[...bars].map((bar) => bar.getBBox().height));
                if (!(tallest > 0)) {
                    throw new Error("The chart draws no bar");
                }
                assertNoPageScroll();
            },
        },
        {
            content: "Go to the ledger",
            trigger: '.o_revshare_nav a[href="/my/revshare/lines"]',
            run: "click",
        },
        {
            content: "The ledger fits the phone",
            trigger: "tr.o_revshare_line",
            run: assertNoPageScroll,
        },
    ],
});
