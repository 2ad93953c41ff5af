/** @odoo-module **/

import {registry} from "@web/core/registry";

/**
 * On a phone: the running account's chart renders, and nothing of the running
 * account or the ledger sticks out of the screen (wide tables scroll inside their
 * own box). The page's content is checked (``main``): Odoo's own portal header
 * (the user menu of the navbar) is not ours.
 */
function assertNoPageScroll() {
    const wide = [...document.querySelectorAll("main *")]
        .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 0.5)
        .filter((el) => !el.parentElement.closest(".table-responsive"))
        .slice(0, 8)
        .map((el) => `${el.tagName.toLowerCase()}.${[...el.classList].join(".")}`);
    if (wide.length) {
        throw new Error(
            `The page scrolls sideways on a ${window.innerWidth}px screen: ` +
                wide.join(", ")
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
