"""`{% load portal %}{% handbook_link "chapter/section" %}`: a link to a section of the current
handbook edition, for other apps' pages (e.g. next to a clearance error). Renders nothing when
the section does not exist, so a page never links to a missing section."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from ..selectors import handbook_links

register = template.Library()


@register.simple_tag
def handbook_link(ref: str, text: str = "") -> SafeString:
    links = handbook_links([ref])
    if not links:
        return SafeString("")
    link = links[0]
    label = text or f"{link['number']} {link['title']}"
    return format_html('<a class="handbook-link" href="{}">{}</a>', link["url"], label)
