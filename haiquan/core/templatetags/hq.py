"""Template tags every page uses: amounts written the way each language writes them, form
fields with their label, hint and error, and the error summary."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django import template
from django.forms import BoundField
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.timesince import timesince, timeuntil

register = template.Library()


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


@register.filter
def vnd(value: Any) -> str:
    """Whole đồng with the language's thousands separator: 73.000.000 (vi), 73,000,000 (en)."""
    amount = _decimal(value)
    if amount is None:
        return ""
    return number_format(amount.quantize(Decimal(1)), 0, force_grouping=True)


@register.filter
def amount(value: Any, places: int = 2) -> str:
    """A foreign-currency amount with `places` decimals, grouped: 8.000,00 (vi), 8,000.00 (en)."""
    number = _decimal(value)
    if number is None:
        return ""
    return number_format(number, int(places), force_grouping=True)


@register.filter
def quantity(value: Any) -> str:
    """A quantity without trailing zeros: 10.000 (vi) for 10000.000, 12,5 (vi) for 12.500."""
    number = _decimal(value)
    if number is None:
        return ""
    normal = number.normalize()
    exponent = normal.as_tuple().exponent
    places = max(0, -exponent) if isinstance(exponent, int) else 0
    return number_format(number, places, force_grouping=True)


@register.filter
def percent(value: Any) -> str:
    """A duty rate without trailing zeros, written per language: 7,5% (vi), 7.5% (en)."""
    number = _decimal(value)
    if number is None:
        return "–"
    return quantity(number) + "%"


@register.filter
def html_lang(code: str) -> str:
    """Django's language code as a BCP 47 tag for `<html lang>`: zh-hans → zh-Hans."""
    parts = (code or "vi").split("-")
    if len(parts) == 2 and len(parts[1]) == 4:
        return f"{parts[0]}-{parts[1].title()}"
    return code or "vi"


@register.simple_tag
def field_widget(bound_field: BoundField, **attrs: Any) -> SafeString:
    """The field's input, tied to its hint and error for screen readers."""
    widget_attrs = {k.replace("_", "-"): v for k, v in attrs.items()}
    described = []
    if bound_field.help_text:
        described.append(f"{bound_field.auto_id}-hint")
    if bound_field.errors:
        described.append(f"{bound_field.auto_id}-error")
        widget_attrs["aria-invalid"] = "true"
        widget_attrs["class"] = (widget_attrs.get("class", "") + " is-invalid").strip()
    if described:
        widget_attrs["aria-describedby"] = " ".join(described)
    return bound_field.as_widget(attrs=widget_attrs)


@register.inclusion_tag("core/includes/field.html")
def field(
    bound_field: BoundField, css: str = "", input_class: str = "", label: str = ""
) -> dict[str, Any]:
    """Label, hint, error message and input of one form field (GOV.UK's form group)."""
    return {
        "field": bound_field,
        "css": css,
        "input_class": input_class,
        "label": label or bound_field.label,
    }


@register.inclusion_tag("core/includes/error_summary.html")
def error_summary(*forms: Any, items: list[dict[str, str]] | None = None) -> dict[str, Any]:
    """The box at the top of a page listing every problem, each linking to its field."""
    entries: list[dict[str, str]] = list(items or [])
    for form in forms:
        if form is None or not getattr(form, "is_bound", False):
            continue
        for message in form.non_field_errors():
            entries.append({"href": "", "text": str(message)})
        for bf in form:
            for message in bf.errors:
                target = bf.id_for_label or f"{bf.auto_id}_0"  # radios: the first option
                entries.append({"href": f"#{target}", "text": f"{bf.label}: {message}"})
    return {"entries": entries}


@register.simple_tag
def field_error_id(bound_field: BoundField) -> str:
    return f"{bound_field.auto_id}-error"


@register.simple_tag(takes_context=True)
def nav_current(context: template.Context, *names: str) -> SafeString:
    """`aria-current="page"` when the current view is one of `names` (namespaced)."""
    match = getattr(context.get("request"), "resolver_match", None)
    if match is not None and match.view_name in names:
        return mark_safe('aria-current="page"')
    return SafeString("")


@register.filter
def duration(value: Any) -> str:
    """A timedelta in the language's words, to the two largest units: '15 minutes',
    '3 hours, 12 minutes'."""
    if not isinstance(value, timedelta):
        return ""
    now = timezone.now()
    return timeuntil(now + value, now)


@register.filter
def waiting_since(value: Any) -> str:
    """How long since `value` (a datetime), in words: the officers' queue's waiting time."""
    if value is None:
        return ""
    return timesince(value)


@register.filter
def event_label(event: Any) -> str:
    """What an event (or an event kind's code) is, in words (`eventlog.kinds`)."""
    from haiquan.eventlog.kinds import kind_label

    return kind_label(getattr(event, "kind", event))


@register.filter
def event_actor(event: Any) -> str:
    """Who did it: a user's name or the words for a system actor (`eventlog.kinds`)."""
    from haiquan.eventlog.kinds import event_actor as actor_of

    return actor_of(event)


@register.inclusion_tag("core/includes/app_nav.html", takes_context=True)
def app_nav(context: template.Context) -> dict[str, Any]:
    """The menu entries the apps registered (`core.nav`) that this user sees, in menus."""
    from haiquan.core.nav import nav_menu_for

    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    user = getattr(request, "user", None)
    return {"items": nav_menu_for(user, match.view_name if match else None)}


@register.inclusion_tag("core/includes/object_links.html", takes_context=True)
def object_links(context: template.Context, kind: str, obj: Any) -> dict[str, Any]:
    """Links other apps offer about `obj` to the viewer (`core.links`), e.g. rating it."""
    from haiquan.core.links import object_links_for

    user = getattr(context.get("request"), "user", None)
    return {"links": object_links_for(kind, user, obj)}


@register.inclusion_tag("core/includes/help_links.html")
def help_links(topic: str) -> dict[str, Any]:
    """Links to the help about `topic` (the handbook's sections), if an app provides them."""
    from haiquan.core.help import help_links_for

    return {"links": help_links_for(topic)}
