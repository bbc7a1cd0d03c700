"""Page objects: what a person does on each page, in the words of the page's purpose.

Locators use labels and roles (what a screen-reader user hears), so a test also checks that
every field is labelled.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect


@dataclass
class Site:
    page: Page
    base_url: str
    shots: Path

    def go(self, path: str) -> None:
        self.page.goto(self.base_url + path)

    def shot(self, name: str) -> None:
        self.page.screenshot(path=str(self.shots / f"{name}.png"), full_page=True)


class LoginPage(Site):
    def log_in(self, username: str, password: str) -> None:
        self.go("/accounts/login/")
        self.page.locator("#id_username").fill(username)
        self.page.locator("#id_password").fill(password)
        self.page.locator("form[action='/accounts/login/'] button[type=submit]").click()

    def second_factor(self, code: str) -> None:
        self.page.locator("#id_token").fill(code)
        self.page.locator("main form button[type=submit]").click()

    def switch_language(self, code: str) -> None:
        self.page.locator("#language-select").select_option(code)
        self.page.locator("#language-select ~ button").click()


class DeclarationForm(Site):
    """The declaration form: header fields, goods lines, HS look-up, live duty preview."""

    def open_new(self) -> None:
        self.go("/declarations/new/")
        expect(self.page.locator("#declaration-form")).to_be_visible()

    def header(self, **values: str) -> None:
        for name, value in values.items():
            field = self.page.locator(f"#id_{name}")
            if field.evaluate("el => el.tagName") == "SELECT":
                field.select_option(value)
            else:
                field.fill(value)

    def line(self, n: int) -> Any:
        return self.page.locator("[data-line]").nth(n - 1)

    def find_hs(self, n: int, words: str, code: str) -> None:
        """Look the HS code up by words in the dialog and choose it for line n."""
        self.line(n).get_by_role("button", name=re.compile("Find|Tìm")).click()
        dialog = self.page.locator("#hs-dialog")
        expect(dialog).to_be_visible()
        dialog.locator("#hs-q").fill(words)
        dialog.locator(f"[data-code='{code}']").click()
        expect(dialog).to_be_hidden()
        expect(self.line(n).locator("[name=hs_code]")).to_have_value(code)

    def fill_line(self, n: int, **values: str) -> None:
        line = self.line(n)
        for name, value in values.items():
            field = line.locator(f"[name={name}]")
            if field.evaluate("el => el.tagName") == "SELECT":
                field.select_option(value)
            else:
                field.fill(value)

    def expect_preview_total(self, text: str) -> None:
        expect(self.page.locator("[data-testid=preview-total]")).to_have_text(text)

    def continue_to_check(self) -> None:
        self.page.locator("button[name=action][value=continue]").click()


class DeclarationPage(Site):
    def open(self, pk: int) -> None:
        self.go(f"/declarations/{pk}/")

    def expect_status(self, status: str) -> None:
        expect(self.page.locator(".object-header [data-status]")).to_have_attribute(
            "data-status", status
        )

    def expect_lane(self, lane: str) -> None:
        expect(self.page.locator(".object-header [data-lane]")).to_have_attribute("data-lane", lane)

    def pay_at_the_bank(self, amount: str, shot: str | None = None) -> None:
        """Pay what is due: the payment order, then the bank's page and its confirmation."""
        self.page.locator("form[action*='/pay/'] button").click()
        expect(self.page.locator("[data-testid=bank-amount]")).to_have_text(f"{amount} VND")
        if shot:
            self.shot(shot)
        self.page.locator(".bank form button[type=submit]").click()
        expect(self.page.locator("[data-testid=receipt-number]")).to_have_text(
            re.compile(r"BL\d{4}-\d{6}")
        )

    def back_to_declaration(self) -> None:
        self.page.locator("main a.button[href^='/declarations/']").click()


class CheckResultPage(Site):
    def record_discrepancy(self, findings: str, line_no: int, **found: str) -> None:
        self.page.locator("input[name=outcome][value=discrepancy]").check()
        self.page.locator("#id_findings").fill(findings)
        for name, value in found.items():
            self.page.locator(f"#id_c{line_no}_{name}").fill(value)

    def submit(self) -> None:
        self.page.locator("#check-form > button[type=submit]").click()


def expected(problems: list[str], *patterns: str) -> None:
    """Drop the browser's own report of answers the test asked for (a 422 is the point)."""
    problems[:] = [p for p in problems if not any(re.search(x, p) for x in patterns)]
