"""Links from a page to the help that explains it (the portal's handbook), without the page's app
knowing where that help lives.

An app that holds help registers a provider in its `AppConfig.ready()`; a page asks for a topic
with the `{% help_links "topic" %}` tag (core's `hq` library). Topics are plain names such as
"declaration-form"; a provider answers with (title, url) pairs, or nothing for topics it does not
know. With no provider registered, pages simply show no help link.
"""

from __future__ import annotations

from collections.abc import Callable

HelpProvider = Callable[[str], list[tuple[str, str]]]

_providers: list[HelpProvider] = []


def help_provider_register(provider: HelpProvider) -> None:
    if provider not in _providers:
        _providers.append(provider)


def help_links_for(topic: str) -> list[tuple[str, str]]:
    """(title, url) of every help page about `topic`, from every provider."""
    out: list[tuple[str, str]] = []
    for provider in _providers:
        out.extend(provider(topic))
    return out
