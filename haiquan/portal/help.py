"""The handbook sections that explain each page of the other apps (`core.help` topics)."""

from __future__ import annotations

from .selectors import handbook_links

TOPICS: dict[str, list[str]] = {
    "declaration-form": ["khai-hai-quan-dien-tu/lap-dang-ky-to-khai"],
    "declaration-amend": ["khai-hai-quan-dien-tu/khai-bo-sung-huy-to-khai"],
    "declaration-cancel": ["khai-hai-quan-dien-tu/khai-bo-sung-huy-to-khai"],
    "declaration-payment": ["thue-thanh-toan/nop-thue-dien-tu-bao-lanh"],
    "declaration-check": ["phan-luong-thong-quan/kiem-tra-ho-so-thuc-te"],
    "preference": ["xuat-xu-fta/c-o-thue-suat-uu-dai", "xuat-xu-fta/e-co-mot-cua-asean"],
}


def handbook_help(topic: str) -> list[tuple[str, str]]:
    refs = TOPICS.get(topic)
    if not refs:
        return []
    return [(f"{link['number']} {link['title']}", link["url"]) for link in handbook_links(refs)]
