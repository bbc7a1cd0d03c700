"""Loading the portal's content files: categories.json, faq.json and handbook.json (the format
is described in the portal's README). Loading is idempotent: records are matched by slug (and
the handbook by version), so a second load changes nothing and an edited file updates in place.
A file with problems is refused as a whole, each problem naming its place in the file."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from haiquan.core.problems import FieldProblem, ValidationFailed

from .choices import CONTENT_LANGUAGES
from .conf import portal_setting
from .models import Category, Faq, HandbookChapter, HandbookSection, HandbookVersion
from .services import FaqText, faq_save

DEFAULT_DIR = Path(__file__).resolve().parent / "data"


@dataclass
class LoadReport:
    categories: int = 0
    faqs: int = 0
    handbook_version: str = ""
    chapters: int = 0
    sections: int = 0


def content_dir() -> Path:
    configured = portal_setting("PORTAL_CONTENT_DIR")
    return Path(configured) if configured else DEFAULT_DIR


def _read(path: Path, errors: list[FieldProblem]) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        errors.append(FieldProblem(path.name, _("not readable JSON: %(e)s") % {"e": exc}))
        return None


def _languages(
    where: str, translations: Any, keys: tuple[str, ...], errors: list[FieldProblem]
) -> dict[str, dict[str, str]]:
    if not isinstance(translations, dict):
        errors.append(FieldProblem(where, _("must be an object of languages")))
        return {}
    out: dict[str, dict[str, str]] = {}
    for lang, values in translations.items():
        if lang not in CONTENT_LANGUAGES:
            errors.append(FieldProblem(f"{where}.{lang}", _("unknown language")))
            continue
        if not isinstance(values, dict):
            errors.append(FieldProblem(f"{where}.{lang}", _("must be an object")))
            continue
        out[lang] = {k: str(values.get(k) or "") for k in keys}
    vi = out.get("vi", {})
    for k in keys:
        if not vi.get(k, "").strip():
            errors.append(FieldProblem(f"{where}.vi.{k}", _("the Vietnamese text is required")))
    return out


def content_load(*, directory: Path | None = None) -> LoadReport:
    """Load whichever of the three files exist in `directory` (default: the shipped ones)."""
    base = directory or content_dir()
    errors: list[FieldProblem] = []
    cats = _read(base / "categories.json", errors)
    faqs = _read(base / "faq.json", errors)
    book = _read(base / "handbook.json", errors)
    cat_rows = _check_categories(cats, errors) if cats is not None else []
    known = {c["slug"] for c in cat_rows} | set(Category.objects.values_list("slug", flat=True))
    faq_rows = _check_faqs(faqs, known, errors) if faqs is not None else []
    book_row = _check_handbook(book, errors) if book is not None else None
    if errors:
        raise ValidationFailed(
            errors, detail=_("The content files have problems; nothing was loaded.")
        )
    report = LoadReport()
    with transaction.atomic():
        for row in cat_rows:
            Category.objects.update_or_create(
                slug=row["slug"],
                defaults={"order": row["order"], "translations": row["translations"]},
            )
            report.categories += 1
        categories = {c.slug: c for c in Category.objects.all()}
        for row in faq_rows:
            faq_save(
                slug=row["slug"],
                category=categories[row["category"]],
                translations={
                    lang: FaqText(t["question"], t["answer"])
                    for lang, t in row["translations"].items()
                },
                procedure=row["procedure"],
                published=row["published"],
                handbook=row["handbook"],
            )
            report.faqs += 1
        if book_row is not None:
            _load_handbook(book_row, report)
    return report


def _check_categories(data: Any, errors: list[FieldProblem]) -> list[dict[str, Any]]:
    if not isinstance(data, list):
        errors.append(FieldProblem("categories.json", _("must be a list")))
        return []
    rows = []
    for i, item in enumerate(data):
        where = f"categories.json[{i}]"
        if not isinstance(item, dict) or not str(item.get("slug") or "").strip():
            errors.append(FieldProblem(f"{where}.slug", _("required")))
            continue
        rows.append(
            {
                "slug": str(item["slug"]).strip(),
                "order": int(item.get("order") or 0),
                "translations": _languages(
                    f"{where}.translations", item.get("translations"), ("name",), errors
                ),
            }
        )
    return rows


def _check_faqs(
    data: Any, categories: set[str], errors: list[FieldProblem]
) -> list[dict[str, Any]]:
    if not isinstance(data, list):
        errors.append(FieldProblem("faq.json", _("must be a list")))
        return []
    rows = []
    seen: set[str] = set()
    for i, item in enumerate(data):
        where = f"faq.json[{i}]"
        if not isinstance(item, dict) or not str(item.get("slug") or "").strip():
            errors.append(FieldProblem(f"{where}.slug", _("required")))
            continue
        slug = str(item["slug"]).strip()
        if slug in seen:
            errors.append(FieldProblem(f"{where}.slug", _("duplicate slug %(s)s") % {"s": slug}))
        seen.add(slug)
        category = str(item.get("category") or "")
        if category not in categories:
            errors.append(
                FieldProblem(f"{where}.category", _("unknown category %(c)s") % {"c": category})
            )
        handbook = item.get("handbook") or []
        if not isinstance(handbook, list) or not all(
            isinstance(h, str) and "/" in h for h in handbook
        ):
            errors.append(
                FieldProblem(f"{where}.handbook", _("must be a list of 'chapter/section'"))
            )
            handbook = []
        rows.append(
            {
                "slug": slug,
                "category": category,
                "procedure": str(item.get("procedure") or ""),
                "published": bool(item.get("published", True)),
                "handbook": handbook,
                "translations": _languages(
                    f"{where}.translations",
                    item.get("translations"),
                    ("question", "answer"),
                    errors,
                ),
            }
        )
    return rows


def _check_handbook(data: Any, errors: list[FieldProblem]) -> dict[str, Any] | None:
    if not isinstance(data, dict):
        errors.append(FieldProblem("handbook.json", _("must be an object")))
        return None
    version = str(data.get("version") or "").strip()
    if not version:
        errors.append(FieldProblem("handbook.json.version", _("required")))
    try:
        published = date.fromisoformat(str(data.get("published") or ""))
    except ValueError:
        errors.append(FieldProblem("handbook.json.published", _("a date YYYY-MM-DD is required")))
        published = date.today()
    chapters = []
    for i, ch in enumerate(data.get("chapters") or []):
        where = f"handbook.json.chapters[{i}]"
        if not isinstance(ch, dict) or not ch.get("slug"):
            errors.append(FieldProblem(f"{where}.slug", _("required")))
            continue
        sections = []
        for j, sec in enumerate(ch.get("sections") or []):
            swhere = f"{where}.sections[{j}]"
            if not isinstance(sec, dict) or not sec.get("slug"):
                errors.append(FieldProblem(f"{swhere}.slug", _("required")))
                continue
            sections.append(
                {
                    "slug": str(sec["slug"]),
                    "number": str(sec.get("number") or ""),
                    "translations": _languages(
                        f"{swhere}.translations", sec.get("translations"), ("title", "body"), errors
                    ),
                }
            )
        chapters.append(
            {
                "slug": str(ch["slug"]),
                "number": int(ch.get("number") or i + 1),
                "translations": _languages(
                    f"{where}.translations", ch.get("translations"), ("title",), errors
                ),
                "sections": sections,
            }
        )
    changes = data.get("changes") or {}
    if not isinstance(changes, dict):
        errors.append(FieldProblem("handbook.json.changes", _("must be an object of languages")))
        changes = {}
    return {"version": version, "published": published, "changes": changes, "chapters": chapters}


def _load_handbook(row: dict[str, Any], report: LoadReport) -> None:
    version, _created = HandbookVersion.objects.update_or_create(
        version=row["version"],
        defaults={"published_on": row["published"], "changes": row["changes"]},
    )
    keep_chapters = []
    for ch in row["chapters"]:
        chapter, _c = HandbookChapter.objects.update_or_create(
            version=version,
            slug=ch["slug"],
            defaults={"number": ch["number"], "translations": ch["translations"]},
        )
        keep_chapters.append(chapter.pk)
        keep_sections = []
        for pos, sec in enumerate(ch["sections"]):
            section, _s = HandbookSection.objects.update_or_create(
                chapter=chapter,
                slug=sec["slug"],
                defaults={
                    "number": sec["number"],
                    "position": pos,
                    "translations": sec["translations"],
                },
            )
            keep_sections.append(section.pk)
            report.sections += 1
        chapter.sections.exclude(pk__in=keep_sections).delete()
        report.chapters += 1
    version.chapters.exclude(pk__in=keep_chapters).delete()
    report.handbook_version = version.version


def faq_count() -> int:
    return Faq.objects.count()
