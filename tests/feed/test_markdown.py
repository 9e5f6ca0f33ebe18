"""The Markdown subset: what renders, that nothing executable ever comes out (an XSS payload
list through both walls: the parser and nh3), and which #hashtags and @mentions are found."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from feed.markdown import (
    ALLOWED_ATTRIBUTES,
    ALLOWED_TAGS,
    analyse,
    extract_hashtags,
    extract_mentions,
    render_markdown,
    sanitize_html,
)

pytestmark = [pytest.mark.embedded]


class _Collector(HTMLParser):
    """Every start tag with its attributes, as a browser would decode them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, {name: value or "" for name, value in attrs}))

    handle_startendtag = handle_starttag


def elements(html: str) -> list[tuple[str, dict[str, str]]]:
    collector = _Collector()
    collector.feed(html)
    collector.close()
    return collector.elements


SAFE_HREF = re.compile(r"(?:https?://|mailto:)", re.IGNORECASE)
# Characters browsers strip from URLs before looking at the scheme.
_URL_NOISE = re.compile(r"[\x00-\x20\u200b-\u200f\u2028\u2029\ufeff]")


def assert_harmless(html: str) -> None:
    lowered = html.lower()
    assert "<script" not in lowered
    tags = re.findall(r"<[^>]*>", html)
    for tag in tags:
        # nh3 writes every attribute value double-quoted with `"` escaped: outside the values,
        # no event handler attribute may appear.
        names_only = re.sub(r'"[^"]*"', '""', tag)
        assert not re.search(r"\son\w+\s*=", names_only, re.IGNORECASE), tag
        assert "javascript:" not in tag.lower(), tag
        assert "vbscript:" not in tag.lower(), tag
        assert "data:" not in tag.lower(), tag
        assert "style" not in tag.lower(), tag
    for tag, attrs in elements(html):
        assert tag in ALLOWED_TAGS, tag
        allowed = ALLOWED_ATTRIBUTES.get(tag, set()) | ({"rel"} if tag == "a" else set())
        assert set(attrs) <= allowed, (tag, attrs)
        if "href" in attrs:
            assert SAFE_HREF.match(_URL_NOISE.sub("", attrs["href"])), attrs["href"]
        if tag == "a":
            assert attrs["rel"] == "noopener noreferrer nofollow"


XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<<script>script>alert(1)<</script>/script>",
    "<img src=x onerror=alert(1)>",
    "<IMG SRC=x OnErRoR=alert(1)>",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    '<iframe src="javascript:alert(1)"></iframe>',
    "<iframe srcdoc='<script>alert(1)</script>'></iframe>",
    '<a href="javascript:alert(1)">x</a>',
    '<p style="background:url(javascript:alert(1))">x</p>',
    '<div style="width: expression(alert(1))">x</div>',
    "<body onload=alert(1)>",
    '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    "<form action=javascript:alert(1)><button>x</button></form>",
    '<object data="javascript:alert(1)"></object><embed src="javascript:alert(1)">',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="javascript:alert(1)//"><link rel="stylesheet" href="//evil.example/x.css">',
    "<!-- <script>alert(1)</script> -->",
    "<!--><script>alert(1)</script>-->",
    "<details open ontoggle=alert(1)>",
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](  javascript:alert(1)  )",
    "[x](<javascript:alert(1)>)",
    "[x](&#106;avascript:alert(1))",
    "[x](&#x6A;&#x61;vascript:alert(1))",
    "[x](javascript&colon;alert(1))",
    "[x](jav&#x09;ascript:alert(1))",
    "[x](java\\script:alert(1))",
    "[x](%6Aavascript:alert(1))",
    "[x](vbscript:msgbox(1))",
    "[x](VBScript:msgbox(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[x](DATA:text/html,<script>alert(1)</script>)",
    "[x](file:///etc/passwd)",
    "![x](javascript:alert(1))",
    "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    '![x](https://ok.example/a.png "a\\" onerror=\\"alert(1)")',
    "<javascript:alert(1)>",
    "<JAVASCRIPT:alert(1)>",
    "<data:text/html,<script>alert(1)</script>>",
    "<vbscript:msgbox(1)>",
    '[x](https://ok.example "t\\" onmouseover=\\"alert(1)")',
    '[x](https://ok.example/"onmouseover="alert(1))',
    "[x](https://ok.example)<img src=x onerror=alert(1)>",
    "*<img src=x onerror=alert(1)>*",
    "**[x](javascript:alert(1))**",
    '```"><script>alert(1)</script>\ncode\n```',
    '``` onclick="alert(1)"\ncode\n```',
    "`<script>alert(1)</script>`",
    "    <script>alert(1)</script>",
    "[x](java\x00script:alert(1))",
    "[x](\u200bjavascript:alert(1))",
    "[x](\ufeffjavascript:alert(1))",
    "[x](\u202ejavascript:alert(1))",
    "[x](\uff4aavascript:alert(1))"  # fullwidth j,
    "[x](\x01javascript:alert(1))",
    "[x](\njavascript:alert(1))",
    "[x]: javascript:alert(1)\n\n[x]",
    "<a href='https://ok.example' onclick='alert(1)'>x</a>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&#60;script&#62;alert(1)&#60;/script&#62;",
    "\\<script>alert(1)\\</script>",
    "- <script>alert(1)</script>\n- [x](javascript:alert(1))",
    "1. <img src=x onerror=alert(1)>",
]


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_xss_payload_renders_harmless(payload):
    assert_harmless(render_markdown(payload))


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_xss_payload_inside_markup_renders_harmless(payload):
    assert_harmless(render_markdown(f"**fett** {payload} *kursiv*\n\n- {payload}\n"))


RAW_HTML = [
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href="&#106;avascript:alert(1)">x</a>',
    '<a href=" javascript:alert(1)">x</a>',
    '<a href="data:text/html,x">x</a>',
    '<a href="vbscript:x">x</a>',
    '<a href="/relative/path">x</a>',
    '<a href="//evil.example/">x</a>',
    '<a href="https://ok.example" onclick="alert(1)" style="color:red" target="_top">x</a>',
    '<a href="https://ok.example" rel="opener">x</a>',
    '<code class="x" onclick="alert(1)">c</code>',
    '<code class="language-js onclick">c</code>',
    '<ol start="1 onclick=alert(1)"><li>x</li></ol>',
    "<img src=x onerror=alert(1)>",
    "<script>alert(1)</script><style>*{}</style>",
    "<p><svg><g onload=alert(1)></g></svg></p>",
]


@pytest.mark.parametrize("html", RAW_HTML)
def test_sanitizer_alone_removes_what_the_parser_would_never_emit(html):
    # The second wall holds even if a parser bug passed raw HTML through.
    assert_harmless(sanitize_html(html))


def test_sanitizer_drops_script_and_style_content():
    assert sanitize_html("<script>alert(1)</script>a<style>*{}</style>") == "a"


# --- The supported subset -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "html"),
    [
        ("Hallo Welt", "<p>Hallo Welt</p>"),
        ("erste Zeile\nzweite Zeile", "<p>erste Zeile<br>\nzweite Zeile</p>"),
        ("Absatz eins\n\nAbsatz zwei", "<p>Absatz eins</p>\n<p>Absatz zwei</p>"),
        ("*kursiv* und _auch_", "<p><em>kursiv</em> und <em>auch</em></p>"),
        ("**fett** und __auch__", "<p><strong>fett</strong> und <strong>auch</strong></p>"),
        ("- eins\n- zwei", "<ul>\n<li>eins</li>\n<li>zwei</li>\n</ul>"),
        ("1. eins\n2. zwei", "<ol>\n<li>eins</li>\n<li>zwei</li>\n</ol>"),
        ("3. drei\n4. vier", '<ol start="3">\n<li>drei</li>\n<li>vier</li>\n</ol>'),
        (
            "[Stadtportal](https://muenchen.de)",
            '<p><a href="https://muenchen.de" rel="noopener noreferrer nofollow">'
            "Stadtportal</a></p>",
        ),
        (
            '[Portal](https://muenchen.de "Titel")',
            '<p><a href="https://muenchen.de" title="Titel" rel="noopener noreferrer nofollow">'
            "Portal</a></p>",
        ),
        (
            "<https://muenchen.de/rathaus>",
            '<p><a href="https://muenchen.de/rathaus" rel="noopener noreferrer nofollow">'
            "https://muenchen.de/rathaus</a></p>",
        ),
        (
            "<buergerbuero@muenchen.de>",
            '<p><a href="mailto:buergerbuero@muenchen.de" rel="noopener noreferrer nofollow">'
            "buergerbuero@muenchen.de</a></p>",
        ),
        ("`a < b`", "<p><code>a &lt; b</code></p>"),
        ("```\nx = 1\n```", "<pre><code>x = 1\n</code></pre>"),
        (
            "```python\nprint('<b>')\n```",
            "<pre><code class=\"language-python\">print('&lt;b&gt;')\n</code></pre>",
        ),
        ("    eingerückt", "<pre><code>eingerückt\n</code></pre>"),
    ],
)
def test_supported_subset_renders(source, html):
    assert render_markdown(source) == html


@pytest.mark.parametrize(
    ("source", "html"),
    [
        ("<b>fett</b>", "<p>&lt;b&gt;fett&lt;/b&gt;</p>"),
        ("# Überschrift", "<p># Überschrift</p>"),
        ("> Zitat", "<p>&gt; Zitat</p>"),
        ("~~durch~~", "<p>~~durch~~</p>"),
        ("[relativ](/communities/x)", "<p>[relativ](/communities/x)</p>"),
        ("https://muenchen.de", "<p>https://muenchen.de</p>"),
        ("a &amp; b &copy;", "<p>a &amp; b ©</p>"),
        ("\\*kein kursiv\\*", "<p>*kein kursiv*</p>"),
    ],
)
def test_everything_else_stays_text(source, html):
    assert render_markdown(source) == html


def test_image_syntax_is_not_an_image():
    html = render_markdown("![Plan](https://muenchen.de/plan.png)")
    assert "<img" not in html
    assert html.startswith("<p>!<a href=")


def test_deep_nesting_is_bounded_and_fast():
    # Pathological input of the longest allowed length must not blow up.
    for source in ("[" * 20_000, "*a" * 10_000, "- " * 10_000, "> " * 10_000, "`" * 20_000):
        assert_harmless(render_markdown(source))


# --- Hashtags -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "tags"),
    [
        ("Neu im #Bürgerbüro", ["Bürgerbüro"]),
        ("#E-Mobilität und #U-Bahn", ["E-Mobilität", "U-Bahn"]),
        ("#Radverkehr #radverkehr #RADVERKEHR", ["Radverkehr"]),
        ("#Straße, #Maß.", ["Straße", "Maß"]),
        ("#123 und #2026 sind Zahlen, #Wahl2026 nicht", ["Wahl2026"]),
        ("Ende mit Bindestrich #Rad- und Punkt #Bahn.", ["Rad", "Bahn"]),
        ('(#klammer) "#zitat" **#fett** _#kursiv_', ["klammer", "zitat", "fett", "kursiv"]),
        ("C# und page#anchor und foo#bar", []),
        ("https://muenchen.de/#section und /#/route", []),
        ("`#code` und\n\n```\n#fence\n```\n\n    #eingerückt", []),
        ("[#imlink](https://muenchen.de) <https://x.example/#frag>", []),
        ("\\#escaped und &#35;entity", []),
        ("##doppelt", []),
        ("#", []),
        ("#_", []),
        ("#Bu\u0308rgerbu\u0308ro", ["Bürgerbüro"]),  # combining umlauts are normalized
        ("- #liste\n- #punkte", ["liste", "punkte"]),
        ("#a_b_c", ["a_b_c"]),
    ],
)
def test_extract_hashtags(text, tags):
    assert extract_hashtags(text) == tags


def test_hashtag_longer_than_the_tag_limit_is_not_a_hashtag(settings):
    settings.WILMA = {**settings.WILMA, "MAX_TAG_LENGTH": 10}
    assert extract_hashtags("#Zehnzeich #Elfzeichenx") == ["Zehnzeich"]


# --- Mentions -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Hallo @erika.mustermann!", ["erika.mustermann"]),
        ("Danke @erika.mustermann.", ["erika.mustermann"]),
        ("@max.huber, @erika.mustermann und @Max.Huber", ["max.huber", "erika.mustermann"]),
        ("(@a_b) @x-y @p+q", ["a_b", "x-y", "p+q"]),
        ("Mail an erika.mustermann@muenchen.de", []),
        ("<erika@muenchen.de> [@max](https://muenchen.de)", []),
        ("`@erika` und\n\n```\n@max\n```", []),
        ("@@doppelt @", []),
        ("\\@escaped", []),
        ("*@kursiv*", ["kursiv"]),
        ("@jörg.müller", ["jörg.müller"]),
    ],
)
def test_extract_mentions(text, names):
    assert extract_mentions(text) == names


def test_analyse_combines_rendering_hashtags_and_mentions():
    result = analyse("Treffen im #Bürgerbüro mit @erika.mustermann")
    assert result.html == "<p>Treffen im #Bürgerbüro mit @erika.mustermann</p>"
    assert result.hashtags == ["Bürgerbüro"]
    assert result.mentions == ["erika.mustermann"]
