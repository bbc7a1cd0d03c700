"""The `haiquan` command's language: `--language`, else LC_ALL / LC_MESSAGES / LANG (POSIX
precedence), mapped to the five languages; C, POSIX, nothing or an unsupported language give
English (the source messages)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from haiquan.config.cli import (
    UnknownLanguage,
    language_option,
    locale_language,
    run_language,
)


@pytest.mark.parametrize(
    ("environ", "language"),
    [
        ({"LANG": "vi_VN.UTF-8"}, "vi"),
        ({"LANG": "en_US.UTF-8"}, "en"),
        ({"LANG": "en_GB"}, "en"),
        ({"LANG": "ja_JP.eucJP"}, "ja"),
        ({"LANG": "ko_KR.UTF-8"}, "ko"),
        ({"LANG": "zh_CN.UTF-8"}, "zh-hans"),
        ({"LANG": "zh_SG.GB2312"}, "zh-hans"),
        ({"LANG": "zh_TW.UTF-8"}, "zh-hans"),  # as the pages read a zh-TW browser
        ({"LANG": "vi_VN.UTF-8@saigon"}, "vi"),
        # POSIX precedence: LC_ALL, then LC_MESSAGES, then LANG; empty values do not count.
        ({"LC_ALL": "ja_JP.UTF-8", "LC_MESSAGES": "ko_KR.UTF-8", "LANG": "vi_VN.UTF-8"}, "ja"),
        ({"LC_ALL": "", "LC_MESSAGES": "ko_KR.UTF-8", "LANG": "vi_VN.UTF-8"}, "ko"),
        ({"LC_MESSAGES": "", "LANG": "vi_VN.UTF-8"}, "vi"),
        # C, POSIX, nothing set, an unsupported language: English, the source messages.
        ({"LANG": "C.UTF-8"}, "en"),
        ({"LANG": "C"}, "en"),
        ({"LC_ALL": "POSIX", "LANG": "vi_VN.UTF-8"}, "en"),
        ({}, "en"),
        ({"LANG": "fr_FR.UTF-8"}, "en"),
        ({"LC_ALL": "de_DE.UTF-8", "LANG": "vi_VN.UTF-8"}, "en"),
    ],
)
def test_the_locale_chooses_the_language(environ, language):
    assert locale_language(environ) == language


@pytest.mark.parametrize(
    ("argv", "value", "rest"),
    [
        (["demo", "--language", "en", "--months", "2"], "en", ["demo", "--months", "2"]),
        (["--language=zh-hans", "demo"], "zh-hans", ["demo"]),
        (["demo", "--months", "2"], None, ["demo", "--months", "2"]),
        (["shell", "--", "--language", "x"], None, ["shell", "--", "--language", "x"]),
    ],
)
def test_the_option_is_taken_out_of_the_command_line(argv, value, rest):
    assert language_option(argv) == (value, rest)


def test_the_option_beats_the_locale_and_must_name_a_language():
    assert run_language("ko", {"LANG": "vi_VN.UTF-8"}) == "ko"
    assert run_language("zh_Hans", {}) == "zh-hans"
    assert run_language(None, {"LANG": "ja_JP.UTF-8"}) == "ja"
    with pytest.raises(UnknownLanguage):
        run_language("fr", {"LANG": "vi_VN.UTF-8"})
    with pytest.raises(UnknownLanguage):
        language_option(["demo", "--language"])


def test_an_unknown_language_option_is_refused_in_the_locale_language():
    env = {k: v for k, v in os.environ.items() if k not in ("LC_ALL", "LC_MESSAGES", "LANGUAGE")}
    env["LANG"] = "vi_VN.UTF-8"
    result = subprocess.run(
        [sys.executable, "-m", "haiquan.config.cli", "--language", "fr", "check"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert "--language fr" in result.stderr
    assert "vi, en, ja, zh-hans, ko" in result.stderr
    assert "choose one of" not in result.stderr  # said in Vietnamese
