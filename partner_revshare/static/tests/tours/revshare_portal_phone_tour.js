/** @odoo-module **/

import {registry} from "@web/core/registry";

/**
 * On a phone (and any wider screen): the running account's chart renders, and every page of the
 * revenue-share portal shows its amounts and statuses on the screen, without
 * sideways scrolling (neither the page nor a table's own scrolling box). The
 * page's content is checked (``main``): Odoo's own portal header (the user menu
 * of the navbar) is not ours.
 */
function describe(el) {
    return `${el.tagName.toLowerCase()}.${[...el.classList].join(".")} "${el.textContent
        .trim()
        .slice(0, 30)}"`;
}

function assertNoPageScroll() {
    const wide = [...document.querySelectorAll("main *")]
        .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 0.5)
        .filter((el) => !el.parentElement.closest(".table-responsive"))
        .slice(0, 8)
        .map(describe);
    if (wide.length) {
        throw new Error(
            `The page scrolls sideways on a ${window.innerWidth}px screen: ` +
                wide.join(", ")
        );
    }
}

function assertAmountsOnScreen() {
    assertNoPageScroll();
    const scrolling = [...document.querySelectorAll("main .table-responsive")].filter(
        (box) => box.scrollWidth > box.clientWidth + 1
    );
    if (scrolling.length) {
        const columns = [...scrolling[0].querySelectorAll("tr:first-child > *")]
            .filter((cell) => cell.getClientRects().length)
            .map((cell) => `${cell.textContent.trim()} ${Math.round(cell.offsetWidth)}px`);
        throw new Error(
            `A table scrolls sideways on a ${window.innerWidth}px screen: ` +
                `${scrolling[0].scrollWidth}px wide in ${scrolling[0].clientWidth}px ` +
                `(${columns.join(", ")})`
        );
    }
    const shown = [
        ...document.querySelectorAll(
            "main .o_revshare_amount, main td.text-end, main th.text-end, main .badge"
        ),
    ].filter((el) => el.getClientRects().length);
    if (!shown.some((el) => el.matches(".o_revshare_amount"))) {
        throw new Error(`No amount shown on ${location.pathname}`);
    }
    const off = shown.filter((el) => {
        const box = el.getBoundingClientRect();
        return box.left < -0.5 || box.right > window.innerWidth + 0.5;
    });
    if (off.length) {
        throw new Error(
            `Off the ${window.innerWidth}px screen on ${location.pathname}: ` +
                off.slice(0, 6).map(describe).join(", ")
        );
    }
}

function assertEveryMonthAmountShown() {
    // Each month of the running account shows its five amounts: in their own
    // columns, or repeated under the month where the screen is too narrow.
    const visible = (el) => el.getClientRects().length > 0;
    for (const row of document.querySelectorAll(
        "tr.o_revshare_month, tr.o_revshare_months_total"
    )) {
        const cells = [...row.querySelectorAll("td.text-end")].filter(visible).length;
        const repeated = [
            ...row.querySelectorAll(".o_revshare_phone .d-flex > div:last-child"),
        ].filter(visible).length;
        if (cells + repeated !== 5) {
            throw new Error(
                `${cells + repeated} amounts of 5 shown for "${row.textContent
                    .trim()
                    .slice(0, 20)}" on a ${window.innerWidth}px screen`
            );
        }
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
                const labels = [
                    ...document.querySelectorAll(".o_revshare_chart text.o_revshare_chart_label"),
                ].filter((label) => label.getClientRects().length);
                if (labels.length !== 12) {
                    throw new Error(`${labels.length} month labels instead of 12`);
                }
                const boxes = labels.map((label) => label.getBoundingClientRect());
                for (let i = 1; i < boxes.length; i++) {
                    if (boxes[i].left < boxes[i - 1].right - 0.5) {
                        throw new Error(
                            `Month labels overlap: "${labels[i - 1].textContent}" and "${labels[i].textContent}"`
                        );
                    }
                }
                assertAmountsOnScreen();
                assertEveryMonthAmountShown();
            },
        },
        {
            content: "Go to the ledger",
            trigger: '.o_revshare_nav a[href="/my/revshare/lines"]',
            run: "click",
        },
        {
            content: "The ledger's amounts are on the phone's screen",
            trigger: "tr.o_revshare_line",
            run: assertAmountsOnScreen,
        },
        {
            content: "Go to the agreements",
            trigger: '.o_revshare_nav a[href="/my/revshare/agreements"]',
            run: "click",
        },
        {
            content: "The agreements' amounts are on the phone's screen",
            trigger: "tr.o_revshare_agreement_row",
            run: assertAmountsOnScreen,
        },
        {
            content: "Go to the statements",
            trigger: '.o_revshare_nav a[href="/my/revshare/statements"]',
            run: "click",
        },
        {
            content: "The statements' amounts are on the phone's screen",
            trigger: "tr.o_revshare_statement_row",
            run: assertAmountsOnScreen,
        },
        {
            content: "Open the newest statement",
            trigger: "tr.o_revshare_statement_row a",
            run: "click",
        },
        {
            content: "The statement's amounts are on the phone's screen",
            trigger: "tr.o_revshare_statement_total",
            run: assertAmountsOnScreen,
        },
        {
            // The tour ends only when the chatter has fetched its messages: a request still
            // running when the browser closes is logged as an error ("Failed to fetch").
            content: "The statement's conversation is loaded",
            trigger:
                "#chatterRoot:shadow .o-mail-Message, #chatterRoot:shadow .o-mail-Thread-empty .fs-1",
        },
    ],
});
