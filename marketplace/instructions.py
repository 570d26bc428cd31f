"""A project's instructions as people read them: Markdown rendered inert, and what changed.

Markdown comes from a lab and is shown to experts, so it is rendered with raw HTML off
(every tag is shown as text), links only to http, https and mailto addresses and marked
``rel="nofollow noopener"``, and images shown as their description: the pages' content
security policy allows images from this site only, and an image from another host would
tell it who read the instructions and when.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

_SAFE_SCHEMES = ("http://", "https://", "mailto:")


def _validate_link(url: str) -> bool:
    # Relative links and anchors are harmless; anything with a scheme must be one of ours.
    lowered = url.strip().lower()
    if ":" not in lowered.split("/", 1)[0]:
        return True
    return lowered.startswith(_SAFE_SCHEMES)


def _link_open(self, tokens, idx, options, env):
    tokens[idx].attrSet("rel", "nofollow noopener")
    return self.renderToken(tokens, idx, options, env)


def _image(self, tokens, idx, options, env):
    alt = self.renderInlineAsText(tokens[idx].children or [], options, env)
    return f'<span class="instruction-image">[image: {escape(alt)}]</span>'


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.validateLink = _validate_link
    md.add_render_rule("link_open", _link_open)
    md.add_render_rule("image", _image)
    return md


_MD = _parser()


def instructions_html(body: str) -> SafeString:
    """The Markdown as HTML that runs nothing and loads nothing."""
    return mark_safe(_MD.render(body))  # noqa: S308  (raw HTML off: every tag in the text is escaped)


@dataclass(frozen=True)
class DiffLine:
    change: str  # "added", "removed" or "same"
    text: str
    old_line: int | None
    new_line: int | None

    @property
    def label(self) -> str:
        return {"added": "Added", "removed": "Removed", "same": "Unchanged"}[self.change]


def instructions_diff(old: str, new: str, *, context: int = 2) -> list[DiffLine]:
    """The lines added and removed between two versions, with a little unchanged context.

    Each line says in words whether it was added or removed, so colour is never the only
    sign. An empty list means the text is the same.
    """
    old_lines, new_lines = old.splitlines(), new.splitlines()
    lines: list[DiffLine] = []
    matcher = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False)
    for group in matcher.get_grouped_opcodes(context):
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                lines += [DiffLine("same", old_lines[i], i + 1, j1 + (i - i1) + 1) for i in range(i1, i2)]
                continue
            if tag in ("replace", "delete"):
                lines += [DiffLine("removed", old_lines[i], i + 1, None) for i in range(i1, i2)]
            if tag in ("replace", "insert"):
                lines += [DiffLine("added", new_lines[j], None, j + 1) for j in range(j1, j2)]
    return lines
