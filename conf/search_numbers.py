"""Sphinx extension: the site's search finds a decimal number, such as 0.22661423, as one word.

Sphinx's English search splits text at every character that is not a letter, digit or
underscore, both when it builds the index (``SearchLanguage.split``, the pattern ``\\w+``) and
when it reads a query (``splitQuery`` in ``searchtools.js``), and then drops words made of digits
only (``SearchLanguage.word_filter``, and ``/^\\d+$/`` in the query). So ``0.22661423`` becomes
``0`` and ``22661423`` and neither is kept: a reader who pastes a number an article prints finds
nothing. This registers, for the language ``en``, Sphinx's English search with one change made
on both sides: a decimal number, with an optional exponent (``0.22661423``, ``4.4e-16``), is one
word (so is a version such as ``9.0.4``). Everything else (stemming, stop words, the dropping of
bare integers) stays Sphinx's. Since searchtools.js also matches any indexed word that contains
the query, a number pasted with fewer digits than the page shows (``0.2266``) finds it too.
"""

from __future__ import annotations

import re

from sphinx.application import Sphinx
from sphinx.search.en import SearchEnglish

# One pattern, written once for Python's re and JavaScript's RegExp (both read it the same way).
DECIMAL = r"\d+(?:\.\d+)+(?:[eE][-+]?\d+)?"


class SearchEnglishNumbers(SearchEnglish):
    """Sphinx's English search, with a decimal number kept as one word in the index and query."""

    _word_re = re.compile(rf"{DECIMAL}|\w+")
    # Loaded after searchtools.js, so this replaces its default splitQuery. The second
    # alternative is the default's class of word characters (JavaScript's \w is ASCII only).
    js_splitter_code = f"""
var splitQuery = (query) =>
  query.match(/{DECIMAL}|[\\p{{Letter}}\\p{{Number}}_\\p{{Emoji_Presentation}}]+/gu) || [];
"""


def setup(app: Sphinx) -> dict[str, object]:
    app.add_search_language(SearchEnglishNumbers)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
