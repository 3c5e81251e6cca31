"""Markdown to safe HTML for lessons, quiz stems and explanations.

Course links use schemes that are resolved here, so that a link to a missing lesson, glossary term or
diagram is an error at sync time instead of a broken link in front of a learner:

    [text](lesson:slug#anchor)   [term](glossary:slug)   ![alt](diagram:name.svg)

Everything is sanitized with nh3 after rendering: content is trusted less than code.
"""

from __future__ import annotations

import functools
import re
import xml.etree.ElementTree as etree
from dataclasses import dataclass, field
from typing import Callable

import markdown
import nh3
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

# What a resolver returns for a course link: (url, title attribute) or None when the target is missing.
Resolver = Callable[[str, str], "tuple[str, str] | None"]

EXTENSIONS = [
    "tables",
    "attr_list",
    "def_list",
    "admonition",
    "md_in_html",
    "toc",
    "pymdownx.superfences",
    "pymdownx.highlight",
    "pymdownx.inlinehilite",
    "pymdownx.tabbed",
    "pymdownx.details",
    "pymdownx.smartsymbols",
]
EXTENSION_CONFIGS = {
    "toc": {"permalink": "#", "permalink_title": "Link to this section", "toc_depth": "2-3"},
    "pymdownx.highlight": {"css_class": "highlight", "guess_lang": False},
    "pymdownx.tabbed": {"alternate_style": True},
}

ALLOWED_TAGS = {
    "a", "abbr", "blockquote", "br", "code", "dd", "del", "details", "div", "dl", "dt", "em",
    "figcaption", "figure", "h2", "h3", "h4", "h5", "h6", "hr", "img", "input", "kbd", "label",
    "li", "ol", "p", "pre", "span", "strong", "sub", "summary", "sup", "table", "tbody", "td",
    "th", "thead", "tr", "ul",
}
ALLOWED_ATTRIBUTES = {
    "*": {"class", "id", "title"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height", "loading"},
    # pymdownx.tabbed's alternate style is radio buttons and labels: keyboard-usable without JS.
    "input": {"type", "name", "checked"},
    "label": {"for"},
    "div": {"data-tabs"},
    "th": {"align", "scope"},
    "td": {"align"},
    "details": {"open"},
}
URL_SCHEMES = {"http", "https", "mailto"}

COURSE_SCHEMES = ("lesson:", "glossary:", "diagram:")


@dataclass
class Rendered:
    html: str
    toc: list[dict] = field(default_factory=list)
    text: str = ""
    errors: list[str] = field(default_factory=list)


class _CourseLinks(Treeprocessor):
    def __init__(self, md, resolve: Resolver, errors: list[str]):
        super().__init__(md)
        self.resolve = resolve
        self.errors = errors

    def run(self, root: etree.Element) -> None:
        for element in root.iter():
            if element.tag == "a":
                self._rewrite(element, "href")
            elif element.tag == "img":
                if not (element.get("alt") or "").strip():
                    self.errors.append(f"image {element.get('src')!r} has no alt text")
                self._rewrite(element, "src")
                element.set("loading", "lazy")

    def _rewrite(self, element: etree.Element, attribute: str) -> None:
        target = element.get(attribute) or ""
        if not target.startswith(COURSE_SCHEMES):
            return
        scheme, _, rest = target.partition(":")
        resolved = self.resolve(scheme, rest)
        if resolved is None:
            self.errors.append(f"link to a missing {scheme}: {target!r}")
            element.set(attribute, "#")
            return
        url, title = resolved
        element.set(attribute, url)
        if title and scheme == "glossary":
            title = plain_title(title)  # the definition is Markdown; a tooltip shows it raw
        if title:
            element.set("title", title)
        if scheme == "glossary":
            element.set("class", (element.get("class", "") + " glossary-link").strip())


class _CourseLinksExtension(Extension):
    def __init__(self, resolve: Resolver, errors: list[str]):
        super().__init__()
        self.resolve = resolve
        self.errors = errors

    def extendMarkdown(self, md) -> None:  # noqa: N802 (Markdown's API)
        # After inline parsing (priority 20) and before toc (5), so links in headings resolve too.
        md.treeprocessors.register(_CourseLinks(md, self.resolve, self.errors), "course_links", 15)


def _no_course_links(scheme: str, target: str) -> None:
    return None


def _flatten_toc(tokens: list[dict], out: list[dict]) -> list[dict]:
    for token in tokens:
        out.append({"id": token["id"], "title": token["name"], "level": token["level"]})
        _flatten_toc(token.get("children", []), out)
    return out


_HEADERLINK = re.compile(r'<a\b[^>]*class="headerlink"[^>]*>.*?</a>', re.S)
# Tags that end a run of words: replaced by a space. Inline tags (code, strong, a, span…) vanish
# without one, so "`x-api-key`," reads "x-api-key," and not "x-api-key ,".
_BLOCK_TAGS = re.compile(
    r"</?(?:p|div|h[1-6]|li|ul|ol|dl|dt|dd|table|thead|tbody|tr|td|th|pre|blockquote|details|summary|"
    r"figure|figcaption|br|hr|img|input|label)\b[^>]*>",
    re.I,
)
_TAGS = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")


def html_to_text(html: str) -> str:
    """The words a reader sees, for search and snippets: no tags, no "#" of heading links."""
    import html as html_module

    text = _TAGS.sub("", _BLOCK_TAGS.sub(" ", _HEADERLINK.sub("", html)))
    return _SPACE.sub(" ", html_module.unescape(text)).strip()


_PERMALINK = re.compile(r'<a (?=[^>]*class="headerlink")')


def _quiet_permalinks(html: str) -> str:
    """The "#" after each heading is for pointing and copying. It stays clickable, but is no tab stop
    and is not read out ("Private endpoints #"): the "On this page" list already links every section."""
    return _PERMALINK.sub('<a aria-hidden="true" tabindex="-1" ', html)


_SCROLLERS = re.compile(r"<(pre|table)(?=[\s>])")


def _focusable_scrollers(html: str) -> str:
    """Code blocks and tables scroll sideways on a phone: keyboard users must be able to scroll them."""
    return _SCROLLERS.sub(r'<\1 tabindex="0"', html)


def sanitize(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
    )


def render(text: str, resolve: Resolver = _no_course_links) -> Rendered:
    """Render a lesson (or any course Markdown) to sanitized HTML, its sections and its text."""
    errors: list[str] = []
    md = markdown.Markdown(
        extensions=[*EXTENSIONS, _CourseLinksExtension(resolve, errors)],
        extension_configs=EXTENSION_CONFIGS,
        output_format="html",
    )
    html = _quiet_permalinks(_focusable_scrollers(sanitize(md.convert(text))))
    toc = _flatten_toc(getattr(md, "toc_tokens", []), [])
    return Rendered(html=html, toc=toc, text=html_to_text(html), errors=errors)


def render_inline(text: str, resolve: Resolver = _no_course_links) -> Rendered:
    """For short texts (quiz stems, explanations): no wrapping <p> when it is one paragraph."""
    rendered = render(text, resolve)
    html = rendered.html.strip()
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        rendered.html = html[3:-4]
    return rendered


def _course_urls(scheme: str, target: str) -> tuple[str, str] | None:
    """Course links for texts rendered outside `content.load_course` (glossary definitions): the
    URL is built, not checked, so a link never collapses to "#"."""
    from django.templatetags.static import static
    from django.urls import NoReverseMatch, reverse

    slug, _, anchor = target.partition("#")
    try:
        if scheme == "lesson":
            return reverse("lesson", args=[slug]) + (f"#{anchor}" if anchor else ""), ""
        if scheme == "glossary":
            return f"{reverse('glossary')}#{slug}", ""
    except NoReverseMatch:
        return None
    if scheme == "diagram" and "/" not in target and ".." not in target:
        return static(f"diagrams/{target}"), ""
    return None


def render_definition(text: str) -> str:
    """A glossary definition: inline Markdown (code, emphasis, links), sanitized like a lesson."""
    return render_inline(text or "", _course_urls).html


@functools.lru_cache(maxsize=1024)  # a term is linked from many lessons; render its tooltip once
def plain_title(markdown_text: str) -> str:
    """Inline Markdown as plain text, for a title attribute (a glossary link's tooltip)."""
    return html_to_text(render_inline(markdown_text or "").html)


def line_of(text: str, needle: str) -> int:
    """1-based line of the first occurrence of `needle` in `text` (0 when absent): error messages
    point authors at the line to fix."""
    index = text.find(needle)
    return text.count("\n", 0, index) + 1 if index >= 0 else 0
