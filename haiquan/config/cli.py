"""The `haiquan` command: Django's management commands under haiquan's settings.

haiquan migrate | load-refdata | demo | createuser | token | enrolment-link | db-roles | serve | ...

One language per run. Its messages follow the user's locale, through the same gettext catalogues
as the pages: `--language CODE` (anywhere on the line) if given, else the first non-empty of
LC_ALL, LC_MESSAGES and LANG (POSIX precedence), mapped to one of haiquan's five languages (vi,
en, ja, zh-hans, ko) the way the pages map a browser's language (zh_CN, zh_SG and zh_TW read
zh-hans, ko_KR ko...). The C and POSIX locales, no locale at all, and a language haiquan has no
catalogue for (fr_FR...) give English, the language of the source messages: what gettext shows
when no catalogue applies.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping

# Short names an operator types, mapped to management commands.
ALIASES = {
    "load-refdata": "load_refdata",
    "load-tariff": "load_tariff",
    "demo": "demo",
    "createuser": "haiquan_createuser",
    "token": "haiquan_token",
    "serve": "serve",
    "telemetry-mqtt": "telemetry_mqtt",
    "notifications-worker": "notifications_worker",
    "telemetry-simulate": "telemetry_simulate",
    "transit-watch": "transit_watch",
    "supervision-watch": "supervision_watch",
}

# The locale variables that choose the language of messages, strongest first (POSIX).
LOCALE_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANG")
# What the C / POSIX locale and unsupported languages give: the source messages.
FALLBACK_LANGUAGE = "en"


class UnknownLanguage(ValueError):
    """`--language` names a language haiquan has no catalogue for."""


def supported_language(code: str) -> str | None:
    """haiquan's language for a language tag or a locale name (`vi`, `vi_VN.UTF-8`, `zh-Hans`,
    `zh_TW`, `ko-KR`...), resolved as the pages resolve a browser's; None when there is none."""
    from django.utils.translation import get_supported_language_variant

    name = code.strip().split(".", 1)[0].split("@", 1)[0]
    if not name or name.upper() in ("C", "POSIX"):
        return None
    tag = name.replace("_", "-").lower()
    try:
        return get_supported_language_variant(tag)
    except LookupError:
        return None


def locale_language(environ: Mapping[str, str]) -> str:
    """The language the locale variables ask for: the first of LC_ALL, LC_MESSAGES and LANG that
    is set and not empty decides; C, POSIX, nothing set or an unsupported language → English."""
    for variable in LOCALE_VARIABLES:
        value = environ.get(variable, "")
        if value:
            return supported_language(value) or FALLBACK_LANGUAGE
    return FALLBACK_LANGUAGE


def language_option(args: list[str]) -> tuple[str | None, list[str]]:
    """Take `--language X` / `--language=X` out of the command line: (X or None, the rest)."""
    rest: list[str] = []
    value: str | None = None
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            rest += args[i:]
            break
        if arg == "--language":
            if i + 1 >= len(args):
                raise UnknownLanguage("")
            value = args[i + 1]
            i += 2
            continue
        if arg.startswith("--language="):
            value = arg.split("=", 1)[1]
            i += 1
            continue
        rest.append(arg)
        i += 1
    return value, rest


def run_language(option: str | None, environ: Mapping[str, str]) -> str:
    """The run's language: the option's, else the locale's. An unknown option value raises."""
    if option is None:
        return locale_language(environ)
    language = supported_language(option)
    if language is None:
        raise UnknownLanguage(option)
    return language


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "haiquan.config.settings.local")
    args = list(sys.argv if argv is None else argv)
    import django
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.utils import translation

    try:
        django.setup()
    except ImproperlyConfigured as exc:
        # Settings refusing to start (production's checks): their message, no traceback. It is
        # English: the catalogues need the settings.
        sys.stderr.write(f"haiquan: {exc}\n")
        sys.exit(1)
    try:
        option, rest = language_option(args[1:])
        language = run_language(option, os.environ)
    except UnknownLanguage as exc:
        translation.activate(locale_language(os.environ))
        codes = ", ".join(code for code, _name in settings.LANGUAGES)
        sys.stderr.write(
            translation.gettext("haiquan: --language %(value)s: choose one of %(codes)s.")
            % {"value": str(exc) or "?", "codes": codes}
            + "\n"
        )
        sys.exit(2)
    translation.activate(language)
    args = args[:1] + rest
    if len(args) > 1 and not args[1].startswith("-"):
        # `haiquan history-import` runs `history_import`: commands are typed with hyphens.
        args[1] = ALIASES.get(args[1], args[1].replace("-", "_"))
    from django.core.management import execute_from_command_line

    execute_from_command_line(args)


if __name__ == "__main__":
    main()
