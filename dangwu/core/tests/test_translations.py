"""Every user-visible string has its English translation, and the compiled catalogue is current."""

import gettext
from pathlib import Path

import polib

LOCALE = Path(__file__).resolve().parents[2] / "locale" / "en" / "LC_MESSAGES"


def test_every_message_is_translated_and_none_is_fuzzy():
    po = polib.pofile(str(LOCALE / "django.po"))
    untranslated = [e.msgid for e in po.untranslated_entries()]
    fuzzy = [e.msgid for e in po.fuzzy_entries()]
    assert not untranslated, f"untranslated: {untranslated}"
    assert not fuzzy, f"fuzzy (check the suggested translation, then drop the flag): {fuzzy}"


def test_the_compiled_catalogue_matches_the_po_file():
    po = polib.pofile(str(LOCALE / "django.po"))
    with open(LOCALE / "django.mo", "rb") as f:
        mo = gettext.GNUTranslations(f)
    stale = [e.msgid for e in po.translated_entries() if not e.msgid_plural and mo.gettext(e.msgid) != e.msgstr]
    assert not stale, f"django.mo is older than django.po (run compilemessages): {stale[:5]}"
