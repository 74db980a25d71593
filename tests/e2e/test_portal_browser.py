"""The seed's screens in real Chromium (Debian's, driven by Playwright): sign in, find the
customer, change options, review, tick both boxes, submit, watch it applied, download the
addendum. Each step's screenshot goes to docs/portal/."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from changeorders.adapters.settings import Settings
from changeorders.bootstrap import ApiService, build_embedded
from changeorders.schemas.reference import ReferenceData
from devtools.tansu import free_port

pytestmark = pytest.mark.browser
CHROMIUM = "/usr/bin/chromium"
#: the page after Submit: the embedded workers may apply the order before it loads
SUBMITTED = re.compile(r"Your order is (being processed|applied)")
SHOTS = Path(__file__).parents[2] / "docs" / "portal"
NORTHWIND = ("demo-northwind-7Qm2xV", "alice")
BLUEFIN = ("demo-bluefin-K8pLw3", "carol")


@pytest.fixture(scope="module")
def portal(tmp_path_factory: pytest.TempPathFactory, sample_data: ReferenceData) -> Iterator[str]:
    """``changeorders serve`` on the embedded default, with its workers, on a free port."""
    folder = tmp_path_factory.mktemp("portal")
    service = build_embedded(Settings(sqlite_path=folder / "store.sqlite3", outbox_dir=folder))
    service.application.load_reference_data(sample_data)
    port, stop = free_port(), threading.Event()
    server = threading.Thread(
        target=ApiService(service, "127.0.0.1", port).run_until, args=(stop,), daemon=True
    )
    server.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx2.get(f"{url}/readyz").is_success:
                break
        except httpx2.TransportError:
            assert time.monotonic() < deadline, "the portal never came up"
            time.sleep(0.1)
    yield url
    stop.set()
    server.join(timeout=30)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield launched
        launched.close()


def signed_in(browser: Browser, portal: str, who: tuple[str, str], width: int = 1280) -> Page:
    page = browser.new_context(base_url=portal, viewport={"width": width, "height": 900}).new_page()
    page.goto("/portal")
    page.get_by_label("MSP API token").fill(who[0])
    page.get_by_label("Your user name").fill(who[1])
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Customers")).to_be_visible()
    return page


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"{name}.png", full_page=True)


def open_options(page: Page, customer: str) -> None:
    page.goto(f"/portal/customers/{customer}")
    page.get_by_role("button", name="Change options").click()
    expect(page.get_by_role("heading", name="Change options")).to_be_visible()


def review_and_submit(page: Page) -> None:
    page.get_by_role("button", name="Review the order").click()
    expect(page.get_by_role("heading", name="Review your order")).to_be_visible()
    page.get_by_label("governed by the").check()
    page.get_by_label("I confirm that I am authorised").check()
    page.get_by_role("button", name="Submit order").click()


def applied(page: Page) -> None:
    expect(page.get_by_role("heading", name="Your order is applied")).to_be_visible(timeout=30_000)
    expect(page.get_by_role("link", name="Download the addendum (PDF)")).to_be_visible(
        timeout=30_000
    )


def test_the_seeds_screens_from_sign_in_to_the_addendum(browser: Browser, portal: str) -> None:
    page = browser.new_context(base_url=portal, viewport={"width": 1280, "height": 900}).new_page()
    page.goto("/portal")
    shot(page, "01-sign-in")
    page.get_by_label("MSP API token").fill(NORTHWIND[0])
    page.get_by_label("Your user name").fill(NORTHWIND[1])
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("Search customers").fill("acme")
    expect(page.get_by_role("link", name="Harbor Logistics")).to_have_count(0)
    page.get_by_label("Search customers").fill("")
    expect(page.get_by_role("link", name="Harbor Logistics")).to_be_visible()
    shot(page, "02-customers")
    page.get_by_role("link", name="Acme Dental Group").click()
    shot(page, "03-customer")
    page.get_by_role("button", name="Change options").click()
    page.get_by_label("Seat change").fill("10")
    page.get_by_label("Select new (replace it):").check()
    page.get_by_label("Email Security Advanced (SEG-ADV)").check()
    page.get_by_label("Security Awareness Training (AWT)").check()
    shot(page, "04-options")
    page.get_by_role("button", name="Review the order").click()
    expect(page.get_by_text("+$143.66").first).to_be_visible()
    shot(page, "05-review")
    submit = page.get_by_role("button", name="Submit order")
    page.get_by_label("governed by the").check()
    expect(submit).to_be_disabled()  # one tick is not enough
    shot(page, "06-one-tick")
    page.get_by_label("I confirm that I am authorised").check()
    expect(submit).to_be_enabled()
    submit.click()
    expect(page.get_by_role("heading", name=SUBMITTED)).to_be_visible()
    shot(page, "07-submitted")
    applied(page)
    shot(page, "08-applied")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the addendum (PDF)").click()
    assert download.value.suggested_filename.startswith("addendum-acme-dental-")
    page.goto("/portal/customers/acme-dental")
    expect(page.get_by_role("link", name="addendum-acme-dental-")).to_be_visible()
    shot(page, "09-customer-after")


@pytest.mark.parametrize(
    ("customer", "choose"),
    [
        ("harbor-logistics", "seats:-5"),
        ("pinecrest-legal", "add-on:Security Awareness Training (AWT)"),
        ("sunrise-bakery", "add-to:Cloud Archive (ARC-CLD)"),
    ],
)
def test_each_kind_of_order_goes_through(
    browser: Browser, portal: str, customer: str, choose: str
) -> None:
    page = signed_in(browser, portal, NORTHWIND)
    open_options(page, customer)
    kind, _, value = choose.partition(":")
    if kind == "seats":
        page.get_by_label("Seat change").fill(value)
    elif kind == "add-on":
        page.get_by_label(value).check()
    else:
        page.get_by_label("Add to it:").check()
        page.get_by_label(value).check()
    review_and_submit(page)
    applied(page)


def test_a_product_change_with_a_seat_downgrade_is_refused_inline(
    browser: Browser, portal: str
) -> None:
    page = signed_in(browser, portal, NORTHWIND)
    open_options(page, "pinecrest-legal")
    page.get_by_label("Seat change").fill("-2")
    page.get_by_label("Internal Email Protect (IEP)").check()
    page.get_by_role("button", name="Review the order").click()
    expect(page.get_by_role("alert")).to_contain_text("product-change-with-seat-downgrade")
    expect(page.get_by_label("Internal Email Protect (IEP)")).to_be_checked()  # the choice is kept
    shot(page, "10-refused-inline")


def test_a_new_lead_is_created_inline_and_the_draft_is_saved(browser: Browser, portal: str) -> None:
    page = signed_in(browser, portal, NORTHWIND)
    open_options(page, "acme-dental")
    page.get_by_label("Seat change").fill("1")
    page.get_by_label("Lead for this change").select_option("__new__")
    page.get_by_label("New lead's user name").fill("zoe")
    page.get_by_label("New lead's full name").fill("Zoë Park")
    page.get_by_label("New lead's email").fill("zoe@acme.example")
    page.get_by_role("button", name="Review the order").click()
    expect(page.get_by_role("heading", name="Review your order")).to_be_visible()
    order_id = page.url.split("/")[-2]
    page.goto("/portal/drafts")
    row = page.locator("tr", has=page.locator(f'a[href*="{order_id}"]'))
    expect(row).to_contain_text("reviewed")
    shot(page, "11-saved-quotes")
    row.get_by_role("button", name="Cancel").click()
    expect(page.locator(f'a[href*="{order_id}"]')).to_have_count(0)


def tab_to(page: Page, element_id: str) -> None:
    """Press Tab until ``element_id`` has the focus: it must be reachable by keyboard."""
    for _ in range(15):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == element_id:
            return
    raise AssertionError(f"#{element_id} is not reachable with Tab")


def test_the_flow_works_from_the_keyboard_alone(browser: Browser, portal: str) -> None:
    page = browser.new_context(base_url=portal).new_page()
    page.goto("/portal/sign-in")
    for field, text in zip(("token", "user"), NORTHWIND, strict=True):
        tab_to(page, field)
        page.keyboard.type(text)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Customers")).to_be_visible()
    open_options(page, "acme-dental")
    tab_to(page, "seat_adjustment")
    page.keyboard.press("Control+A")
    page.keyboard.type("3")
    page.keyboard.press("Enter")  # submits the options form
    expect(page.get_by_role("heading", name="Review your order")).to_be_visible()
    for box in ("accept_msa", "confirm_authority"):
        tab_to(page, box)
        page.keyboard.press("Space")
    tab_to(page, "submit-order")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name=SUBMITTED)).to_be_visible()


def test_a_narrow_screen_shows_the_review_without_losing_columns(
    browser: Browser, portal: str
) -> None:
    page = signed_in(browser, portal, NORTHWIND, width=390)
    open_options(page, "sunrise-bakery")
    page.get_by_label("Seat change").fill("4")
    page.get_by_role("button", name="Review the order").click()
    expect(page.get_by_role("columnheader", name="After")).to_be_attached()
    shot(page, "12-review-390px")


def test_a_form_without_the_csrf_token_is_refused(browser: Browser, portal: str) -> None:
    page = signed_in(browser, portal, NORTHWIND)
    forged = page.request.post(f"{portal}/portal/customers/acme-dental/orders", form={})
    assert forged.status == 403


def test_another_msp_never_sees_the_first_msps_customers(browser: Browser, portal: str) -> None:
    page = signed_in(browser, portal, BLUEFIN)
    expect(page.get_by_role("link", name="Acme Dental Group")).to_have_count(0)
    page.goto("/portal/customers/acme-dental")
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()
