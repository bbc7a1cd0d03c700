"""The procedures' forms as data: reading a form definition, checking what an enterprise
enters against it, and loading the shipped catalogue (`data/procedures.json`) and public
holidays (`data/holidays.csv`)."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from haiquan.core.i18n import in_language
from haiquan.core.problems import FieldProblem, NotFound, ValidationFailed
from haiquan.core.uploads import TYPE_NAMES
from haiquan.refdata.models import Country, Office
from haiquan.tariff.correlation import EDITION, CodeResolution, correlation_targets
from haiquan.tariff.selectors import DividedCode, hs_code_divided, hs_code_resolve

from .choices import HS_FIELD_TYPES, FieldType, Level, ResultKind
from .models import Holiday, Procedure

DATA_DIR = Path(__file__).resolve().parent / "data"

MAX_TEXT = 255
MAX_LONG_TEXT = 5000
# No attachment may be larger than this, whatever a form says (the request size limit of the
# web server must allow it).
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024


def _label(spec: dict[str, Any]) -> str:
    vi = str(spec.get("label_vi") or spec.get("name", ""))
    return in_language(vi, str(spec.get("label_en") or ""))


@dataclass(frozen=True)
class FieldSpec:
    name: str
    type: str
    required: bool
    label_vi: str
    label_en: str
    choices: tuple[tuple[str, str, str], ...] = ()

    @property
    def label(self) -> str:
        return _label({"name": self.name, "label_vi": self.label_vi, "label_en": self.label_en})

    def choice_pairs(self) -> list[tuple[str, str]]:
        return [(v, in_language(lvi, len_)) for v, lvi, len_ in self.choices]


@dataclass(frozen=True)
class AttachmentSpec:
    name: str
    required: bool
    label_vi: str
    label_en: str
    types: tuple[str, ...]
    max_bytes: int

    @property
    def label(self) -> str:
        return _label({"name": self.name, "label_vi": self.label_vi, "label_en": self.label_en})

    @property
    def type_names(self) -> str:
        return ", ".join(TYPE_NAMES.get(t, t) for t in self.types)

    @property
    def max_megabytes(self) -> str:
        return f"{self.max_bytes / (1024 * 1024):g}"


@dataclass(frozen=True)
class FormSpec:
    fields: tuple[FieldSpec, ...]
    attachments: tuple[AttachmentSpec, ...]

    def attachment(self, name: str) -> AttachmentSpec | None:
        return next((a for a in self.attachments if a.name == name), None)


def form_spec_parse(raw: Any, *, type_groups: dict[str, list[str]] | None = None) -> FormSpec:
    """Read a form definition; ValidationFailed naming `form.fields[i].type` etc. when the
    definition itself is wrong (an administrator's typo in the admin or the data file)."""
    problems: list[FieldProblem] = []
    if not isinstance(raw, dict):
        raise ValidationFailed([FieldProblem("form", _("Must be a JSON object."))])
    seen: set[str] = set()  # the names of fields and attachments alike
    fields = [
        spec
        for i, f in enumerate(raw.get("fields") or [])
        if (spec := _field_spec(f, f"form.fields[{i}]", seen, problems)) is not None
    ]
    attachments = [
        att
        for i, a in enumerate(raw.get("attachments") or [])
        if (att := _attachment_spec(a, f"form.attachments[{i}]", seen, problems, type_groups))
        is not None
    ]
    if problems:
        raise ValidationFailed(problems)
    return FormSpec(tuple(fields), tuple(attachments))


def _spec_name(d: dict[str, Any], at: str, seen: set[str], problems: list[FieldProblem]) -> str:
    name = str(d.get("name") or "")
    if not name.isidentifier() or name in seen:
        problems.append(FieldProblem(f"{at}.name", _("A unique name of letters and _.")))
    seen.add(name)
    return name


def _field_spec(f: Any, at: str, seen: set[str], problems: list[FieldProblem]) -> FieldSpec | None:
    """One field of the form (None when it is not even an object), its problems appended."""
    if not isinstance(f, dict):
        problems.append(FieldProblem(at, _("Must be a JSON object.")))
        return None
    name = _spec_name(f, at, seen, problems)
    ftype = str(f.get("type") or "")
    if ftype not in FieldType.values:
        problems.append(
            FieldProblem(
                f"{at}.type",
                _("One of: %(types)s.") % {"types": ", ".join(FieldType.values)},
            )
        )
    choices: list[tuple[str, str, str]] = []
    if ftype == FieldType.CHOICE:
        choices = _field_choices(f, at, problems)
    return FieldSpec(
        name=name,
        type=ftype,
        required=bool(f.get("required")),
        label_vi=str(f.get("label_vi") or name),
        label_en=str(f.get("label_en") or f.get("label_vi") or name),
        choices=tuple(choices),
    )


def _field_choices(
    f: dict[str, Any], at: str, problems: list[FieldProblem]
) -> list[tuple[str, str, str]]:
    choices: list[tuple[str, str, str]] = []
    for c in f.get("choices") or []:
        if isinstance(c, list | tuple) and len(c) == 3:
            choices.append((str(c[0]), str(c[1]), str(c[2])))
        else:
            problems.append(
                FieldProblem(f"{at}.choices", _("Each choice is [value, label_vi, label_en]."))
            )
    if not choices:
        problems.append(FieldProblem(f"{at}.choices", _("A choice field needs choices.")))
    return choices


def _attachment_spec(
    a: Any,
    at: str,
    seen: set[str],
    problems: list[FieldProblem],
    type_groups: dict[str, list[str]] | None,
) -> AttachmentSpec | None:
    """One attachment slot of the form (None when it is not even an object), its problems
    appended. `types` may name a group of MIME types."""
    if not isinstance(a, dict):
        problems.append(FieldProblem(at, _("Must be a JSON object.")))
        return None
    name = _spec_name(a, at, seen, problems)
    types = a.get("types")
    if isinstance(types, str) and type_groups and types in type_groups:
        types = type_groups[types]
    if not isinstance(types, list) or not types or not all(isinstance(t, str) for t in types):
        problems.append(
            FieldProblem(f"{at}.types", _("A list of MIME types, e.g. application/pdf."))
        )
        types = []
    max_bytes = a.get("max_bytes")
    if not isinstance(max_bytes, int) or not 0 < max_bytes <= MAX_ATTACHMENT_BYTES:
        problems.append(
            FieldProblem(
                f"{at}.max_bytes",
                _("A number of bytes from 1 to %(n)d.") % {"n": MAX_ATTACHMENT_BYTES},
            )
        )
        max_bytes = 0
    return AttachmentSpec(
        name=name,
        required=bool(a.get("required")),
        label_vi=str(a.get("label_vi") or name),
        label_en=str(a.get("label_en") or a.get("label_vi") or name),
        types=tuple(types),
        max_bytes=max_bytes,
    )


def form_spec(procedure: Procedure) -> FormSpec:
    return form_spec_parse(procedure.form)


# --- What an enterprise enters -----------------------------------------------------------------


def _clean_value(spec: FieldSpec, value: Any) -> tuple[Any, str | None]:
    """The stored (JSON) value, or a problem."""
    if spec.type in (FieldType.TEXT, FieldType.TEXTAREA):
        if not isinstance(value, str):
            return None, _("Must be text.")
        limit = MAX_TEXT if spec.type == FieldType.TEXT else MAX_LONG_TEXT
        if len(value) > limit:
            return None, _("At most %(n)d characters.") % {"n": limit}
        # A long text may have line breaks and tabs; a one-line text nothing but printables.
        visible = value
        if spec.type == FieldType.TEXTAREA:
            visible = value.replace("\n", "").replace("\r", "").replace("\t", "")
        if not visible.isprintable():
            return None, _("Contains control characters or line breaks.")
        return value, None
    if spec.type == FieldType.DATE:
        try:
            return date.fromisoformat(str(value)).isoformat(), None
        except ValueError:
            return None, _("A date written YYYY-MM-DD.")
    if spec.type == FieldType.DECIMAL:
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            return None, _("A number, e.g. 1250.5.")
        if not number.is_finite() or number < 0 or number >= Decimal(10) ** 15:
            return None, _("A positive number below 10^15.")
        return str(number), None
    if spec.type == FieldType.INTEGER:
        text = str(value)
        if isinstance(value, bool) or not (text.isascii() and text.isdigit()) or len(text) > 15:
            return None, _("A whole number, e.g. 12.")
        return int(text), None
    if spec.type == FieldType.CHOICE:
        allowed = [c[0] for c in spec.choices]
        if str(value) not in allowed:
            return None, _("One of: %(values)s.") % {"values": ", ".join(allowed)}
        return str(value), None
    if spec.type in HS_FIELD_TYPES:
        resolved, problem = _clean_hs_code(value, proposal=spec.type == FieldType.HS_CODE_PROPOSED)
        return (resolved.code if resolved else None), problem
    if spec.type == FieldType.COUNTRY:
        code = str(value).strip().upper()
        if len(code) != 2 or not Country.objects.filter(code=code).exists():
            return None, _("A two-letter country code, e.g. CN.")
        return code, None
    if spec.type == FieldType.DECLARATION_NUMBER:
        text = str(value).strip()
        if not (len(text) == 12 and text.isascii() and text.isdigit()):
            return None, _("A declaration number has 12 digits.")
        return text, None
    return None, _("Unknown field type.")  # pragma: no cover - refused by form_spec_parse


def _clean_hs_code(
    value: Any, *, proposal: bool = False
) -> tuple[CodeResolution | None, str | None]:
    """A line of the tariff in force, or an AHTN 2017 code that became exactly one line
    (converted); a code split between several lines is refused naming them — except as a
    `proposal` (the code a trader asks customs to rule on), where it is kept as written: the
    ruling names the line in force. A code that was never a line is refused either way."""
    code = str(value).replace(".", "").replace(" ", "")
    if not (len(code) == 8 and code.isascii() and code.isdigit()):
        return None, _("An 8-digit HS code of the national tariff, e.g. 84713020.")
    try:
        return hs_code_resolve(code=code), None
    except NotFound as exc:  # names the lines the code became, or those of its subheading
        if proposal and hs_code_divided(code=code) is not None:
            return CodeResolution(code=code, written=code), None
        return None, exc.detail


def as_written_key(name: str) -> str:
    """Where the form keeps an HS code as the trader wrote it when it was converted."""
    return f"{name}_as_written"


@dataclass(frozen=True)
class HsNote:
    """What the trader is told of an HS code of the earlier nomenclature in a form: converted
    to the line it became, or divided (`divided` names the lines customs chooses from)."""

    field: str
    text: str
    divided: DividedCode | None = None

    def __str__(self) -> str:
        return self.text


def form_hs_notes(spec: FormSpec, data: dict[str, Any]) -> list[HsNote]:
    """The notes on the AHTN 2017 codes in the stored values: each converted one, and each
    divided one a proposal keeps as written."""
    notes = []
    for f in spec.fields:
        if f.type not in HS_FIELD_TYPES or not data.get(f.name):
            continue
        written = data.get(as_written_key(f.name))
        if written:
            resolution = CodeResolution(code=data[f.name], written=written, edition=EDITION)
            notes.append(HsNote(f.name, resolution.note))
        elif f.type == FieldType.HS_CODE_PROPOSED:
            divided = hs_code_divided(code=str(data[f.name]))
            if divided is not None:
                notes.append(HsNote(f.name, divided.note, divided))
    return notes


def form_data_clean(spec: FormSpec, data: Any, *, prefix: str = "data") -> dict[str, Any]:
    """The form's values as stored; ValidationFailed naming `data.<field>` for every problem.
    An empty optional field is left out; a field the form does not have is refused.

    An HS code of the earlier nomenclature (AHTN 2017) that became exactly one line is stored
    as that line, with the code as the trader wrote it beside it (`<field>_as_written`, kept for
    the record as long as the correlation maps it to the stored line). A proposed code
    (`hs_code_proposed`) that the tariff in force divided is stored as written."""
    if not isinstance(data, dict):
        raise ValidationFailed([FieldProblem(prefix, _("Must be an object of the form's fields."))])
    problems: list[FieldProblem] = []
    known = {f.name for f in spec.fields}
    known |= {as_written_key(f.name) for f in spec.fields if f.type in HS_FIELD_TYPES}
    for key in data:
        if key not in known:
            problems.append(
                FieldProblem(f"{prefix}.{key}", _("The form has no such field."), "unknown-field")
            )
    out: dict[str, Any] = {}
    for f in spec.fields:
        value = data.get(f.name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if f.required:
                problems.append(
                    FieldProblem(f"{prefix}.{f.name}", _("This field is required."), "required")
                )
            continue
        if isinstance(value, str) and f.type != FieldType.TEXTAREA:
            value = value.strip()
        cleaned, problem = _clean_value(f, value)
        if problem:
            problems.append(FieldProblem(f"{prefix}.{f.name}", problem))
            continue
        out[f.name] = cleaned
        if f.type in HS_FIELD_TYPES:
            typed = str(value).replace(".", "").replace(" ", "")
            written = typed if typed != cleaned else data.get(as_written_key(f.name))
            if written and correlation_targets(str(written)) == [cleaned]:
                out[as_written_key(f.name)] = str(written)
    if problems:
        raise ValidationFailed(problems)
    return out


# --- Loading the shipped catalogue -------------------------------------------------------------


@transaction.atomic
def catalogue_load(
    *, procedures_path: Path | None = None, holidays_path: Path | None = None
) -> tuple[int, int]:
    """Create or update the procedures and the public holidays from the data files (run again
    safely: rows are matched by code and by day). Returns (procedures, holidays) written."""
    raw = json.loads((procedures_path or DATA_DIR / "procedures.json").read_text("utf-8"))
    groups = raw.get("attachment_types") or {}
    n_proc = 0
    for p in raw["procedures"]:
        office = Office.objects.filter(code=p["office"]).first()
        if office is None:
            raise ValidationFailed(
                [
                    FieldProblem(
                        f"procedures.{p['code']}.office",
                        _("No office %(code)s: load the reference data first.")
                        % {"code": p["office"]},
                    )
                ]
            )
        spec = form_spec_parse(p["form"], type_groups=groups)
        form = {
            "fields": [
                {
                    "name": f.name,
                    "type": f.type,
                    "required": f.required,
                    "label_vi": f.label_vi,
                    "label_en": f.label_en,
                    **({"choices": [list(c) for c in f.choices]} if f.choices else {}),
                }
                for f in spec.fields
            ],
            "attachments": [
                {
                    "name": a.name,
                    "required": a.required,
                    "label_vi": a.label_vi,
                    "label_en": a.label_en,
                    "types": list(a.types),
                    "max_bytes": a.max_bytes,
                }
                for a in spec.attachments
            ],
        }
        Procedure.objects.update_or_create(
            code=p["code"],
            defaults={
                "name_vi": p["name_vi"],
                "name_en": p["name_en"],
                "description_vi": p.get("description_vi", ""),
                "description_en": p.get("description_en", ""),
                "legal_basis": p.get("legal_basis", ""),
                "level": Level(int(p["level"])),
                "result_kind": ResultKind(p.get("result_kind", ResultKind.DECISION)),
                "fee_vnd": Decimal(int(p.get("fee_vnd", 0))),
                "time_limit_days": int(p["time_limit_days"]),
                "office": office,
                "office_pick": bool(p.get("office_pick")),
                "form": form,
                "position": int(p.get("position", 100)),
            },
        )
        n_proc += 1
    n_hol = 0
    with (holidays_path or DATA_DIR / "holidays.csv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            Holiday.objects.update_or_create(
                day=date.fromisoformat(row["day"]), defaults={"name": row["name"]}
            )
            n_hol += 1
    return n_proc, n_hol
