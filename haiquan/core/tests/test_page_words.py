"""No page says what only the code should say: the crawl.

Each role of the test world (`world.py`: one user of each role, with the objects of every part,
plus the single window's partner agency) logs in and opens every page it may open (the pages
whose authorisation row says `ok` for it, `test_authz_matrix.py` and its parts), then the pages
those link to, in each of the five languages. No page may show:

- an event kind (`declaration.cleared`: the catalogue of `eventlog/kinds.py`);
- a value of a choice that has a label (`awaiting_payment`, `inland_waterway`...);
- a Python repr (`<... object at 0x...>`, `None`, `Decimal(`, `{'`, `[]`...);
- a raw amount (`9500.00` on a Vietnamese page).

What is read is what a person sees: the text and the labels a screen reader speaks (`alt`,
`title`, `aria-label`, `placeholder`), not attributes, scripts or hidden inputs. The Django
test client does the crawl (fast); what needs a browser is in `e2e/test_pages.py`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urldefrag, urlsplit

import pytest
from django.apps import apps
from django.db import models
from django.test import Client

from haiquan.eventlog.kinds import KINDS
from haiquan.eventlog.models import Event

from . import test_authz_matrix as matrix
from .world import World

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_limits")]

LANGUAGES = ("vi", "en", "ja", "zh-hans", "ko")
CRAWLED_ROLES = ("declarant", "broker", "officer", "leader", "analyst", "admin", "operator")
# Links followed from the pages of the table, per role and language (detail pages of other
# objects, tabs, filters): enough to reach what the table does not name, bounded for speed.
FOLLOW = 30
SKIP_LINKS = re.compile(
    r"^/(admin|api|static|media|i18n|accounts/logout)|\.(pdf|csv|xlsx|png|json)$|/(pdf|export|"
    r"download|result\.pdf)|[?&]page=\d"
)


HS_CODE = re.compile(r"\d{2}(?:\d{2})?(?:\.\d{2}){0,3}")


class VisibleText(HTMLParser):
    """The text of a page as a person meets it."""

    HIDDEN = {"script", "style", "template", "head"}
    SPOKEN = ("alt", "title", "aria-label", "placeholder")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.links: list[str] = []
        self._hidden = 0
        self._code = 0
        # inside an element marked with its own language (`lang="en"` on a text the data has in
        # English only): its words are that language's on purpose
        self._lang_tag = ""
        self._lang_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag in self.HIDDEN:
            self._hidden += 1
        if tag == "code":
            self._code += 1
        if self._lang_depth and tag == self._lang_tag:
            self._lang_depth += 1
        elif not self._lang_depth and a.get("lang") and tag != "html":
            self._lang_tag, self._lang_depth = tag, 1
        if tag == "a" and a.get("href"):
            self.links.append(str(a["href"]))
        if tag == "input" and a.get("type") == "hidden":
            return
        self.parts += [str(a[k]) for k in self.SPOKEN if a.get(k)]
        if tag == "input" and a.get("type") in ("submit", "button") and a.get("value"):
            self.parts.append(str(a["value"]))

    def handle_endtag(self, tag: str) -> None:
        if tag in self.HIDDEN and self._hidden:
            self._hidden -= 1
        if tag == "code" and self._code:
            self._code -= 1
        if self._lang_depth and tag == self._lang_tag:
            self._lang_depth -= 1

    def handle_data(self, data: str) -> None:
        if self._code and HS_CODE.fullmatch(data.strip()):
            return  # a tariff code shown as code (0810.90 is no amount)
        if self._lang_depth:
            return
        if not self._hidden and data.strip():
            self.parts.append(data.strip())


def labelled_values(*, words: bool = False) -> set[str]:
    """Values of the choices (model fields and the apps' `choices` modules) whose label is not
    the value itself: with an underscore (`awaiting_payment`: code on any page), or with
    `words`, the single lowercase words (`import`, `sea`: English on a page in Japanese,
    Chinese or Korean, where an English label never belongs)."""

    def fits(value: Any, label: Any) -> bool:
        if not isinstance(value, str) or str(label) == value:
            return False
        if words:
            return bool(re.fullmatch(r"[a-z]{3,}", value))
        return "_" in value

    values: set[str] = set()
    for model in apps.get_models():
        if not model.__module__.startswith("haiquan."):
            continue
        for f in model._meta.get_fields():
            for value, label in getattr(f, "flatchoices", None) or []:
                if fits(value, label):
                    values.add(value)
    for module in list(__import__("sys").modules.values()):
        name = getattr(module, "__name__", "")
        if not name.startswith("haiquan.") or not name.endswith(".choices"):
            continue
        for obj in vars(module).values():
            if (
                isinstance(obj, type)
                and issubclass(obj, models.Choices)
                and obj is not models.Choices
            ):
                for value, label in obj.choices:
                    if fits(value, label):
                        values.add(value)
    return values


REPRS = [
    (re.compile(r"object at 0x[0-9a-f]+"), "an object's repr"),
    (re.compile(r"\b(?:Decimal|datetime\.\w+|QuerySet|UUID)\("), "a repr"),
    (re.compile(r"\{'|\['|\[\]|\{\}"), "a dict or list"),
    (re.compile(r"<(?:QuerySet|\w+: )"), "a model's repr"),
    (re.compile(r"\bgettext_lazy\b|__proxy__"), "an untranslated lazy string"),
]
# An amount with 4 or more digits before its decimals and no grouping is Python's str(Decimal);
# a dotted HS code (0810.10.00) is not one.
RAW_AMOUNT = re.compile(r"(?<![\d.,])\d{4,}\.\d{2}(?!\d|\.\d)")


# "None" is also an English word (a choice "None"): a Python None reads "None" in every language.
NONE = re.compile(r"(?<![\w.-])None(?![\w-])")


def problems_in(
    text: str, values: set[str], language: str, words: set[str] = frozenset()
) -> list[str]:
    found = []
    if language in ("ja", "zh-hans", "ko"):
        for word in words:
            if re.search(rf"(?<![\w./@-]){word}(?![\w/@-]|://)", text):  # (not a URL scheme)
                found.append(f"the English value {word}")
    m = NONE.search(text)
    if m and language != "en":
        found.append(f"None: …{text[max(0, m.start() - 40) : m.end() + 40]}…")
    for code in KINDS:
        if code in text:
            found.append(f"the event kind {code}")
    for value in values:
        if re.search(rf"(?<![\w./-]){re.escape(value)}(?![\w/-])", text):
            found.append(f"the value {value}")
    for pattern, what in REPRS:
        m = pattern.search(text)
        if m:
            found.append(f"{what}: …{text[max(0, m.start() - 40) : m.end() + 40]}…")
    m = RAW_AMOUNT.search(text)
    if m and language != "en":
        found.append(f"a raw amount: …{text[max(0, m.start() - 40) : m.end() + 20]}…")
    return found


def _client(world: World, user: Any, language: str) -> Client:
    client = Client()
    client.cookies["django_language"] = language
    if user is not None:
        client.force_login(user)
        if user.is_customs:
            from django_otp import DEVICE_ID_SESSION_KEY
            from django_otp.plugins.otp_totp.models import TOTPDevice

            device = TOTPDevice.objects.filter(user=user).first() or TOTPDevice.objects.create(
                user=user, name="crawl", confirmed=True
            )
            session = client.session
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.save()
    return client


def start_pages(world: World, role: str) -> Iterator[str]:
    """The pages the table lets `role` open on its own objects, plus its start page."""
    yield "/"
    for row in matrix.ROWS:
        if not row.is_page or row.method != "GET" or row.cells[role][0] != "ok":
            continue
        target = matrix.SUBJECTS[row.subject](world, "own")
        if target.form is not None or target.query:
            continue
        try:
            yield row.path.format(**target.path)
        except KeyError:
            continue


def crawl(
    client: Client,
    start: list[str],
    values: set[str],
    words: set[str],
    language: str,
    follow: int = FOLLOW,
) -> tuple[dict[str, list], list[str]]:
    """Problems by page, and the pages read (the start and up to `follow` linked ones)."""
    seen: set[str] = set()
    queue = list(dict.fromkeys(start))
    found: dict[str, list[str]] = {}
    followed = 0
    while queue:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        resp = client.get(url, follow=True)
        if resp.status_code >= 500:
            found[url] = [f"status {resp.status_code}"]
            continue
        if "text/html" not in resp.get("Content-Type", "") or resp.status_code != 200:
            continue
        parser = VisibleText()
        parser.feed(resp.content.decode())
        problems = problems_in("\n".join(parser.parts), values, language, words)
        if problems:
            found[url] = sorted(set(problems))
        for href in parser.links:
            link = urldefrag(href)[0]
            parts = urlsplit(link)
            if parts.scheme or parts.netloc or not link.startswith("/"):
                continue
            if SKIP_LINKS.search(link) or link in seen or followed >= follow:
                continue
            followed += 1
            queue.append(link)
    return found, sorted(seen)


@pytest.mark.parametrize("role", [*CRAWLED_ROLES, "agency", "anonymous"])
def test_no_page_shows_code_words(world: World, role: str) -> None:
    values = labelled_values()
    words = labelled_values(words=True)
    assert {"awaiting_payment", "document_check"} <= values  # the lists are read
    assert {"import", "sea", "green"} <= words
    if role == "agency":
        user = world.extra["singlewindow"].parties["own"].agency_user
        start = ["/", "/single-window/"]
    elif role == "anonymous":
        user = None
        start = ["/portal/", "/portal/faq/", "/portal/handbook/", "/eservices/"]
    else:
        user = world.users[role]
        start = list(start_pages(world, role))
    report = []
    # The first language finds the pages (following links); the others read the same pages.
    for language in LANGUAGES:
        client = _client(world, user, language)
        found, start = crawl(
            client, start, values, words, language, FOLLOW if language == "vi" else 0
        )
        report += [f"[{language}] {url}: {'; '.join(p)}" for url, p in found.items()]
    assert not report, f"{len(report)} pages show code words:\n" + "\n".join(report)


def test_the_world_writes_only_catalogued_kinds(world: World) -> None:
    """What the test world's services actually wrote (kinds built at run time included)."""
    written = set(Event.objects.values_list("kind", flat=True))
    assert written and not written - set(KINDS), written - set(KINDS)


def test_a_partner_agency_lands_on_its_pages(world: World) -> None:
    """Not on a 403: the single window, where its requests wait."""
    user = world.extra["singlewindow"].parties["own"].agency_user
    resp = _client(world, user, "vi").get("/")
    assert resp.status_code == 302 and resp["Location"] == "/single-window/"


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_declaration_pdf_tells_its_history_in_words(
    world: World, language: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The printed declaration (weasyprint) is read as the page is: what it prints is checked."""
    weasyprint = pytest.importorskip("weasyprint")
    printed: list[str] = []
    real = weasyprint.HTML

    def keep(*args: Any, string: str = "", **kwargs: Any) -> Any:
        printed.append(string)
        return real(*args, string=string, **kwargs)

    monkeypatch.setattr(weasyprint, "HTML", keep)
    declaration = world.own.declarations["cleared"]  # registered, lane decided, paid at a bank
    resp = _client(world, world.users["declarant"], language).get(
        f"/declarations/{declaration.pk}/pdf/"
    )
    assert resp.status_code == 200 and printed, resp.status_code
    parser = VisibleText()
    parser.feed(printed[-1])
    text = "\n".join(parser.parts)
    problems = problems_in(text, labelled_values(), language, labelled_values(words=True))
    assert not problems, problems
    for internal in ("bank:", "selectivity", "automatic"):
        assert internal not in text
