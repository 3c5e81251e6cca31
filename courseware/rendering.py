"""Markdown to safe HTML for lessons, quiz stems and explanations.

Course links use schemes that are resolved here, so that a link to a missing lesson, glossary term or
diagram is an error at sync time instead of a broken link in front of a learner:

    [text](lesson:slug#anchor)   [term](glossary:slug)   ![alt](diagram:name.svg)

Everything is sanitized with nh3 after rendering: content is trusted less than code.
"""

from __future__ import annotations

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


_TAGS = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")


def html_to_text(html: str) -> str:
    import html as html_module

    return _SPACE.sub(" ", html_module.unescape(_TAGS.sub(" ", html))).strip()


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
    html = _focusable_scrollers(sanitize(md.convert(text)))
    toc = _flatten_toc(getattr(md, "toc_tokens", []), [])
    return Rendered(html=html, toc=toc, text=html_to_text(html), errors=errors)


def render_inline(text: str, resolve: Resolver = _no_course_links) -> Rendered:
    """For short texts (quiz stems, explanations): no wrapping <p> when it is one paragraph."""
    rendered = render(text, resolve)
    html = rendered.html.strip()
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        rendered.html = html[3:-4]
    return rendered


def line_of(text: str, needle: str) -> int:
    """1-based line of the first occurrence of `needle` in `text` (0 when absent): error messages
    point authors at the line to fix."""
    index = text.find(needle)
    return text.count("\n", 0, index) + 1 if index >= 0 else 0
