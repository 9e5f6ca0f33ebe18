"""The Markdown subset of posts and comments, rendered to sanitized HTML, and the #hashtags and
@mentions found in it.

Supported: paragraphs (a single line break is kept as ``<br>``), *emphasis* and **strong**,
bulleted and numbered lists, ``[links](https://...)`` and ``<https://...>`` autolinks (http,
https and mailto only), `inline code`, indented code blocks and ``` fences. Everything else
(raw HTML, images, headings, tables, quotes) stays literal text. Rendering is two walls: the
parser never emits HTML from the input (``html`` off, links validated), and nh3 then keeps only
an explicit allow-list of tags, attributes and URL schemes, so a parser bug alone cannot
produce executable output.

Hashtags and mentions are read from the same parse, from plain text only: never from inside
code, links or autolinks, and an escaped ``\\#`` or an entity (``&#35;``) is not a hashtag.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import nh3
from django.conf import settings
from markdown_it import MarkdownIt
from markdown_it.token import Token

ALLOWED_TAGS = frozenset(
    {"p", "br", "em", "strong", "ul", "ol", "li", "a", "code", "pre"},
)
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "code": {"class"}}
ALLOWED_URL_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "noopener noreferrer nofollow"

_ENABLED_RULES = [
    # block
    "list",
    "code",
    "fence",
    # inline
    "newline",
    "escape",
    "backticks",
    "emphasis",
    "link",
    "autolink",
    "entity",
]
_ABSOLUTE_URL = re.compile(r"(?:https?://|mailto:)\S", re.IGNORECASE)
_CODE_LANGUAGE = re.compile(r"language-[\w+#.-]{1,32}")


def _validate_link(url: str) -> bool:
    """Links and autolinks to absolute http(s) and mailto URLs only; anything else (relative
    paths, javascript:, data:, vbscript:, file:) stays literal text. The parser has already
    decoded entities and backslash escapes at this point."""
    return _ABSOLUTE_URL.match(url.strip()) is not None


def _parser() -> MarkdownIt:
    md = MarkdownIt(
        "zero", {"html": False, "linkify": False, "typographer": False, "breaks": True}
    ).enable(_ENABLED_RULES)
    md.validateLink = _validate_link  # type: ignore[method-assign]
    return md


_renderer = _parser()
# For hashtags and mentions: without `text_join`, escapes and entities stay separate
# `text_special` tokens, so `\#tag` or `&#35;tag` can be told apart from a real `#tag`.
_scanner = _parser().disable("text_join")


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    if tag == "code" and attribute == "class":
        return value if _CODE_LANGUAGE.fullmatch(value) else None
    if tag == "ol" and attribute == "start":
        return value if value.isascii() and value.isdigit() and len(value) <= 9 else None
    if tag == "a" and attribute == "href":
        # Defence in depth: nh3 checks the scheme as well, this also refuses relative URLs.
        return value if _validate_link(value) else None
    return value


_cleaner = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    clean_content_tags={"script", "style"},
    attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
    attribute_filter=_filter_attribute,
    strip_comments=True,
    link_rel=LINK_REL,
    url_schemes=set(ALLOWED_URL_SCHEMES),
    url_relative="deny",
)


def sanitize_html(html: str) -> str:
    """Keep only the allow-listed tags, attributes and URL schemes."""
    return _cleaner.clean(html)


def render_markdown(text: str) -> str:
    """The sanitized HTML of a body written in the supported Markdown subset."""
    return sanitize_html(_renderer.render(text)).strip()


# --- Hashtags and mentions ------------------------------------------------------------------

# A hashtag starts after a non-word character (so not in `C#`, `page#anchor`, `&#35;` or
# `/#/route`) and runs over letters, digits, `_` and inner hyphens, so German compounds keep
# their hyphens: `#E-Mobilität`, `#U-Bahn`. It needs at least one letter: `#123` is a number.
_HASHTAG = re.compile(r"(?<![\w&#/\\])#(\w[\w-]*)")
# A mention is `@username` (usernames: letters, digits and `.+-_`, as Django allows) that
# does not follow a word character, so e-mail addresses (`erika@muenchen.de`) are not
# mentions; a trailing `.` (end of sentence) is not part of the name.
_MENTION = re.compile(r"(?<![\w.@+-])@(\w(?:[\w.+-]*\w)?)")
_USERNAME_MAX_LENGTH = 150


def _plain_text(text: str) -> list[str]:
    """The runs of plain text of a body, outside code, links and escapes, one per paragraph
    or list item. Inline markup in between (emphasis) joins the text on both sides."""
    return [
        "".join(_inline_text(block.children))
        for block in _scanner.parse(unicodedata.normalize("NFC", text))
        if block.type == "inline" and block.children
    ]


def _inline_text(children: list[Token]) -> Iterator[str]:
    link_depth = 0
    for token in children:
        if token.type == "link_open":
            link_depth += 1
            yield " "
        elif token.type == "link_close":
            link_depth -= 1
            yield " "
        elif token.type == "text" and link_depth == 0:
            yield token.content
        elif token.type in {"softbreak", "hardbreak", "code_inline", "text_special"}:
            yield " "


def _hashtags_in(runs: Iterable[str]) -> list[str]:
    max_length = int(settings.WILMA["MAX_TAG_LENGTH"])
    found: dict[str, str] = {}
    for run in runs:
        for match in _HASHTAG.finditer(run):
            name = match.group(1).rstrip("-")
            if len(name) > max_length or not any(ch.isalpha() for ch in name):
                continue
            found.setdefault(name.casefold(), name)
    return list(found.values())


def _mentions_in(runs: Iterable[str]) -> list[str]:
    found: dict[str, str] = {}
    for run in runs:
        for match in _MENTION.finditer(run):
            name = match.group(1)
            if len(name) <= _USERNAME_MAX_LENGTH:
                found.setdefault(name.casefold(), name)
    return list(found.values())


def extract_hashtags(text: str) -> list[str]:
    """The distinct #hashtags of a body, in order of first appearance, spelled as first
    written (compared case-insensitively, NFC-normalized). Names longer than the tag length
    limit (`WILMA["MAX_TAG_LENGTH"]`) are not hashtags."""
    return _hashtags_in(_plain_text(text))


def extract_mentions(text: str) -> list[str]:
    """The distinct @usernames mentioned in a body, in order of first appearance (compared
    case-insensitively). Whether they name anybody is for the caller to find out."""
    return _mentions_in(_plain_text(text))


@dataclass(frozen=True)
class Analysis:
    html: str
    hashtags: list[str]
    mentions: list[str]


def analyse(text: str) -> Analysis:
    """Render a body and find its hashtags and mentions (two parses instead of three)."""
    runs = _plain_text(text)
    return Analysis(
        html=render_markdown(text), hashtags=_hashtags_in(runs), mentions=_mentions_in(runs)
    )
