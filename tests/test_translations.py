"""The Simplified Chinese catalogue is complete and compiles without GNU gettext."""

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.core.management import call_command
from django.utils import translation

ROOT = Path(__file__).resolve().parents[1]
CATALOGUE = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
SOURCES = ["lms", "cms", "courses_content", "live", "assessments", "templates", "manage.py"]


def test_every_entry_is_translated_and_none_is_fuzzy():
    catalogue = polib.pofile(str(CATALOGUE))
    assert not catalogue.metadata_is_fuzzy
    assert catalogue.untranslated_entries() == []
    assert catalogue.fuzzy_entries() == []
    assert len(catalogue.translated_entries()) > 100


def test_placeholders_survive_translation():
    import re

    pattern = re.compile(r"%\(\w+\)[sd]")
    for entry in polib.pofile(str(CATALOGUE)):
        wanted = sorted(pattern.findall(entry.msgid))
        strings = entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]
        for translated in strings:
            assert sorted(pattern.findall(translated)) == wanted, entry.msgid


def test_catalogues_compile_in_pure_python(tmp_path, settings):
    locale = tmp_path / "locale"
    shutil.copytree(ROOT / "locale", locale, ignore=shutil.ignore_patterns("*.mo"))
    settings.LOCALE_PATHS = [locale]
    call_command("compile_translations", verbosity=0)
    compiled = locale / "zh_Hans" / "LC_MESSAGES" / "django.mo"
    assert compiled.exists()
    assert polib.mofile(str(compiled)).find("Dashboard").msgstr == "工作台"


def test_the_running_site_uses_the_catalogue():
    with translation.override("zh-hans"):
        assert translation.gettext("Dashboard") == "工作台"
    with translation.override("en"):
        assert translation.gettext("Dashboard") == "Dashboard"


@pytest.mark.gettext
def test_the_catalogue_covers_every_string_in_the_source(tmp_path):
    """Run makemessages on a copy of the source and compare: nothing new may appear."""
    for name in [*SOURCES, "locale"]:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, tmp_path / name)
    result = subprocess.run(
        [sys.executable, "manage.py", "makemessages", "--locale", "zh_Hans", "--no-obsolete"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    fresh = polib.pofile(str(tmp_path / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"))
    untranslated = [entry.msgid for entry in fresh.untranslated_entries()]
    assert untranslated == [], "run `make messages` and translate: " + repr(untranslated)
