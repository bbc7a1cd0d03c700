"""What each column of a declaration history in CSV is: a code (an identifier, a party, a
goods or country code), an amount, a date — decided from its values first, and from its name
in any style ("Importer ID", "importerId", "IMPORTER.TIN", "importer_tin", "Mã số thuế người
nhập khẩu") — and which role it plays (importer, seller, HS code, value, mass...).

From the values:
* text (not numbers) is a code; dates read as dates are dates;
* numbers with leading zeros, or whole numbers all written with the same number of digits
  (4 or more), are codes ("0101", "87032390", "0100109106");
* numbers with decimals, or negative ones, are amounts;
* whole numbers of varying width are ambiguous (an office number or a count of packages):
  the name decides when it says a role; otherwise the column is used both ways.
From the name, normalised (accents removed, camelCase and punctuation split, lower case),
the role: a party, the goods code, the origin, the office, the transport mode, the date, the
value, the mass, the quantity, a tax. Every choice can be overridden (`--code COL`,
`--amount COL`, `--role COL=ROLE`), and every choice is printed with its reason.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

CODE = "code"
AMOUNT = "amount"
BOTH = "code and amount"
DATE = "date"
IDENTIFIER = "identifier"
SET_ASIDE = "set aside"

# Roles, and the words that name them (normalised names; the first matching role wins, so
# the more specific come first: "import duty" is a tax, not the importer).
ROLE_PATTERNS: tuple[tuple[str, str], ...] = (
    ("date", r"\b(date|datetime|time|timestamp|ngay|thoi gian|registered|registration)\b"),
    ("tax", r"\b(tax|taxes|duty|duties|(?<!so )thue|vat|levy)\b"),
    ("quantity", r"\b(quantity|qty|quantities|so luong|pieces|units|packages)\b"),
    ("mass", r"\b(weight|mass|kg|kgs|kilograms?|gross|net|trong luong|khoi luong|tonnes?)\b"),
    ("price", r"\b(unit price|price|don gia|gia don vi)\b"),
    ("value", r"\b(value|amount|fob|cif|invoice|tri gia|gia tri|cost|usd|vnd|total)\b"),
    ("broker", r"\b(broker|courier|agent|forwarder|dai ly|dich vu hai quan)\b"),
    ("declarant", r"\b(declarant|filer|nguoi khai|nguoi khai bao|khai bao)\b"),
    (
        "seller",
        r"\b(seller|consignor|exporter|shipper|supplier|vendor|manufacturer|nguoi ban|"
        r"ben ban|nguoi xuat khau|doi tac|partner name)\b",
    ),
    (
        "importer",
        r"\b(importer|consignee|buyer|nguoi nhap khau|don vi nhap khau|doanh nghiep|enterprise|"
        r"company|trader|taxpayer|mst|ma so thue)\b",
    ),
    (
        "hs",
        r"\b(hs|hs\d+|hscode|hts|tariff|commodity|ma hs|ma so hang hoa|heading|nomenclature)\b",
    ),
    ("origin", r"\b(origin|xuat xu|coo|country)\b"),
    ("office", r"\b(office|port|chi cuc|cua khau|border|customs house|station)\b"),
    ("transport", r"\b(transport|mode|phuong thuc|van tai|vehicle)\b"),
    ("id", r"\b(id|no|number|ref|reference|so to khai|serial)\b"),
)
CODE_ROLES = frozenset(
    {"importer", "declarant", "seller", "broker", "hs", "origin", "office", "transport", "id"}
)
AMOUNT_ROLES = frozenset({"value", "mass", "quantity", "price", "tax"})
ROLES = tuple(r for r, _p in ROLE_PATTERNS)
# Canonical history columns each role feeds (`history.KEY_COLUMNS`, `AMOUNT_COLUMNS`).
HISTORY_ROLES = ("importer", "declarant", "seller", "broker", "hs", "origin", "office")
VALUE_PREFERENCE = ("cif", "customs", "value", "invoice", "fob", "amount", "total")


class TabularError(ValueError):
    """A file or a column that cannot be used, said in words."""


def normalise(name: str) -> str:
    """A column name as words: accents removed, camelCase, digits and punctuation split off,
    lower case ("HS6 Code" → "hs6 code", "importerTIN" → "importer tin")."""
    s = unicodedata.normalize("NFKD", str(name).replace("đ", "d").replace("Đ", "D"))
    s = "".join(c for c in s if not unicodedata.combining(c))
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", s)
    s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1 \2", s)
    s = re.sub(r"[^A-Za-z0-9]+", " ", s)
    return " ".join(s.lower().split())


def role_of(name: str) -> str | None:
    words = normalise(name)
    for role, pattern in ROLE_PATTERNS:
        if re.search(pattern, words):
            return role
    return None


def numbers(values: pd.Series) -> pd.Series:
    """Numbers as written: thousands separators and spaces ignored; a lone comma as the
    decimal mark ("12,5")."""
    s = values.astype(str).str.strip().str.replace(" ", "", regex=False)
    lone_comma = s.str.fullmatch(r"-?\d+,\d{1,2}")
    s = s.where(~lone_comma, s.str.replace(",", ".", regex=False))
    s = s.str.replace(",", "", regex=False)
    return pd.to_numeric(s, errors="coerce")


def dates(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values, errors="coerce", utc=True, format="mixed")


@dataclass
class ColumnPlan:
    name: str
    kind: str  # CODE, AMOUNT, BOTH, DATE, IDENTIFIER, SET_ASIDE
    role: str | None
    why: str
    digits: int = 0  # fixed width of a digit code (its prefixes are codes too)

    def as_json(self) -> dict[str, object]:
        return {"column": self.name, "type": self.kind, "role": self.role, "why": self.why}


@dataclass
class Plan:
    columns: list[ColumnPlan] = field(default_factory=list)
    # role → column name (one per role; the first in column order when several claim it,
    # value: the most CIF-like)
    roles: dict[str, str] = field(default_factory=dict)
    date: str | None = None

    def of(self, kind: str | Sequence[str]) -> list[ColumnPlan]:
        kinds = (kind,) if isinstance(kind, str) else tuple(kind)
        return [c for c in self.columns if c.kind in kinds]

    def as_json(self) -> list[dict[str, object]]:
        return [c.as_json() for c in self.columns]


def _type_from_values(values: pd.Series, rows: int) -> tuple[str, str, int]:
    """(kind, why, digit width) from the values alone; kind may be BOTH (ambiguous)."""
    v = values.dropna().astype(str).str.strip()
    v = v[v != ""]
    if not len(v):
        return SET_ASIDE, "empty", 0
    nums = numbers(v)
    share_numeric = float(nums.notna().mean())
    if share_numeric < 0.98:
        if v.str.contains(r"\d").mean() > 0.9 and v.str.contains(r"[-/:]").mean() > 0.9:
            parsed = dates(v)
            if parsed.notna().mean() >= 0.95:
                return DATE, "values read as dates", 0
        return CODE, "text", 0
    digits = v.str.fullmatch(r"\d+")
    lengths = v.str.len()
    if bool((digits & v.str.startswith("0") & (lengths > 1)).any()):
        return (
            CODE,
            "digits with leading zeros",
            int(lengths.max()) if lengths.nunique() == 1 else 0,
        )
    whole = digits.mean() >= 0.98
    if whole and lengths.nunique() == 1 and int(lengths.iloc[0]) >= 4 and len(v) >= 20:
        width = int(lengths.iloc[0])
        return CODE, f"whole numbers all {width} digits wide", width
    if (nums < 0).any():
        return AMOUNT, "negative numbers", 0
    fractional = (nums.dropna() % 1 != 0).mean()
    if fractional >= 0.02:
        return AMOUNT, "numbers with decimals", 0
    if lengths.nunique() == 1:
        return BOTH, "small whole numbers", 0
    return BOTH, "whole numbers of varying width", 0


def plan_columns(
    df: pd.DataFrame,
    *,
    set_aside: Sequence[str],
    codes: Sequence[str] = (),
    amounts: Sequence[str] = (),
    roles: Mapping[str, str] | None = None,
    date: str | None = None,
) -> Plan:
    """Type and role of every column of `df` except those set aside (label, revenue, id,
    rules), with the reason for each."""
    roles = dict(roles or {})
    _check_overrides(df, codes, amounts, roles)
    plan = Plan()
    rows = len(df)
    for col in df.columns:
        if col in set_aside:
            continue
        plan.columns.append(_plan_column(df, col, rows, codes, amounts, roles, date))
    _assign_roles(plan)
    _choose_date(plan, date)
    return plan


def _check_overrides(
    df: pd.DataFrame, codes: Sequence[str], amounts: Sequence[str], roles: Mapping[str, str]
) -> None:
    """The --code, --amount and --role overrides name columns that exist, known roles, and
    no column as both a code and an amount."""
    for col in [*codes, *amounts, *roles]:
        if col not in df.columns:
            raise TabularError(f"{col!r}: no such column")
    for col, given in roles.items():
        if given not in ROLES:
            raise TabularError(f"--role {col}={given}: the roles are {', '.join(ROLES)}")
    both = set(codes) & set(amounts)
    if both:
        raise TabularError(f"{sorted(both)[0]!r}: given as both --code and --amount")


def _plan_column(
    df: pd.DataFrame,
    col: str,
    rows: int,
    codes: Sequence[str],
    amounts: Sequence[str],
    roles: Mapping[str, str],
    date: str | None,
) -> ColumnPlan:
    """One column's type (from the overrides, else its values and its role) and its role
    (only where the type fits it)."""
    role: str | None = roles.get(col) or role_of(col)
    kind, why, width = _column_kind(df, col, rows, role, codes, amounts, roles, date)
    # A role only where the type fits it.
    if role in CODE_ROLES and kind not in (CODE, BOTH, IDENTIFIER):
        role = None
    if role in AMOUNT_ROLES and kind not in (AMOUNT, BOTH):
        role = None
    if role == "date" and kind != DATE:
        role = None
    return ColumnPlan(col, kind, role, why, width)


def _column_kind(
    df: pd.DataFrame,
    col: str,
    rows: int,
    role: str | None,
    codes: Sequence[str],
    amounts: Sequence[str],
    roles: Mapping[str, str],
    date: str | None,
) -> tuple[str, str, int]:
    """A column's type, the reason for it, and its width."""
    role_why = f"given as {role}" if col in roles else f"named like {role}" if role else "no role"
    kind, why, width = _type_from_values(df[col], rows)
    if col == date:
        kind, why = DATE, "given as --date"
    elif col in codes:
        kind, why = CODE, "given as --code"
    elif col in amounts:
        kind, why = AMOUNT, "given as --amount"
    elif kind == BOTH and role in CODE_ROLES:
        kind, why = CODE, f"{why}, {role_why}"
    elif kind == BOTH and role in AMOUNT_ROLES:
        kind, why = AMOUNT, f"{why}, {role_why}"
    elif kind == BOTH and role == "date":
        kind = BOTH
    elif kind in (CODE, BOTH) and role == "date" and dates(df[col]).notna().mean() >= 0.95:
        kind, why = DATE, "values read as dates"
    else:
        why = f"{why}, {role_why}" if role else why
    if kind == CODE and role not in (
        "importer",
        "declarant",
        "seller",
        "broker",
        "hs",
    ):
        distinct = df[col].nunique(dropna=True)
        if rows >= 50 and distinct >= 0.98 * rows and col not in codes:
            kind, why = IDENTIFIER, "a different value on (almost) every row: not used"
    return kind, why, width


def _assign_roles(plan: Plan) -> None:
    """Each role to the first column that has it; the value role to the column whose name
    is most preferred."""
    for c in plan.columns:
        if c.role and c.role not in plan.roles and c.role not in ("value", "date", "id"):
            plan.roles[c.role] = c.name
    values = [c for c in plan.columns if c.role == "value"]
    if values:

        def preference(c: ColumnPlan) -> int:
            words = normalise(c.name).split()
            for i, w in enumerate(VALUE_PREFERENCE):
                if w in words:
                    return i
            return len(VALUE_PREFERENCE)

        plan.roles["value"] = min(values, key=preference).name


def _choose_date(plan: Plan, date: str | None) -> None:
    """The date column: the one given, else the first dated column named as a date, else
    the first dated column."""
    dated = [c for c in plan.columns if c.kind == DATE]
    if date is not None:
        plan.date = date
    elif dated:
        named = [c for c in dated if c.role == "date"]
        plan.date = (named or dated)[0].name


def fingerprint(values: pd.Series) -> int:
    """A number that depends on a column's values only (not its name or position): orders
    the columns the same way whatever the header style and column order of the file."""
    h = pd.util.hash_pandas_object(values.fillna("").astype(str), index=False).to_numpy()
    return int(np.bitwise_xor.reduce(h * np.arange(1, len(h) + 1, dtype="uint64")) if len(h) else 0)


def plan_text(columns: Sequence[Mapping[str, object]], date: str | None) -> str:
    """The typing (`Plan.as_json`) as printed by `haiquan risk evaluate`."""
    width = max([len(str(c["column"])) for c in columns] + [6])
    lines = ["columns (override with --code COL, --amount COL, --role COL=ROLE):"]
    for c in columns:
        role = f" [{c['role']}]" if c.get("role") else ""
        when = " (orders the history)" if c["column"] == date else ""
        lines.append(f"  {c['column']!s:<{width}}  {c['type']}{role}{when}: {c['why']}")
    return "\n".join(lines)
