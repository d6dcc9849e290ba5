"""The ticket page's repeated fragments (evidence rows, timeline marks). What they show is computed
in claims.workbench; these only write it out. They use the standard library's `html.escape` on
every value instead of the template engine or `format_html`: a 500-row page rendered through
either costs most of the page's 300 ms budget (tests/claims/test_workbench.py checks the escaping)."""

from __future__ import annotations

from collections.abc import Iterable
from html import escape

from django import template
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator

from claims.workbench import Mark, Row

register = template.Library()


def _cut(text: str, length: int) -> str:
    return Truncator(text).chars(length) if len(text) > length else text


def _options(choices: Iterable[tuple[str, str]], selected: str) -> str:
    return "".join(
        f'<option value="{escape(value)}"{" selected" if value == selected else ""}>'
        f"{escape(str(label))}</option>"
        for value, label in choices
    )


def _title_cell(row: Row) -> str:
    item = row.item
    label = escape(_cut(item.title or item.url or item.summary or "—", 120))
    html = (
        f'<a href="{escape(item.url)}" rel="noopener noreferrer">{label}</a>' if item.url else label
    )
    if item.archive_url:
        html += (
            f' · <a href="{escape(item.archive_url)}" rel="noopener noreferrer" '
            'class="wb-archived">archived copy</a>'
        )
    return html + "".join(f'<div class="errornote">{escape(e)}</div>' for e in row.errors)


def _judgement_cells(row: Row, editable: bool, choices: list[tuple[str, str]]) -> str:
    item = row.item
    if not editable:
        return (
            f'<td class="c-stance"><span class="wb-stance stance-{escape(item.stance)}">'
            f"{escape(str(item.get_stance_display()))}</span></td>"
            f'<td class="c-summary">{escape(_cut(item.summary, 200))}</td>'
        )
    key = f"evidence-{item.pk}"
    return (
        f'<td class="c-stance"><select name="{key}-stance" aria-label="Stance">'
        f"{_options(choices, row.stance_value)}</select>"
        f'<input type="hidden" name="{key}-stance-initial" value="{escape(row.stance_initial)}">'
        f'</td><td class="c-summary"><textarea name="{key}-summary" rows="2" '
        f'aria-label="Summary">{escape(row.summary_value)}</textarea>'
        f'<input type="hidden" name="{key}-summary-initial" value="{escape(row.summary_initial)}">'
        "</td>"
    )


def _row(row: Row, editable: bool, choices: list[tuple[str, str]]) -> str:
    item = row.item
    observed = int(item.observed_at.timestamp()) if item.observed_at else ""
    distance = "" if item.distance_km is None else f"{item.distance_km:.3f}"
    thumb = (
        f'<img src="{escape(row.thumbnail)}" alt="" class="wb-thumb" loading="lazy" '
        'width="64" height="64">'
        if row.thumbnail
        else ""
    )
    badge = (
        f' <span class="wb-badge{" wb-in" if item.in_window else ""}">{escape(row.badge)}</span>'
        if row.badge
        else ""
    )
    provider = escape(str(item.get_provider_display() or item.added_by_label or "—"))
    return (
        f'<tr id="evidence-row-{item.pk}" class="wb-row{" wb-row-error" if row.errors else ""}" '
        f'data-evidence-id="{item.pk}" data-rank="{row.rank}" data-observed="{observed}" '
        f'data-distance="{distance}" data-stance="{escape(row.stance_value)}">'
        f'<td class="c-thumb">{thumb}</td><td class="c-title">{_title_cell(row)}</td>'
        f'<td class="c-prov">{provider}</td>'
        f'<td class="c-time">{escape(row.observed or "—")}{badge}</td>'
        f'<td class="c-dist">{escape(row.distance or "—")}</td>'
        f"{_judgement_cells(row, editable, choices)}</tr>"
    )


@register.simple_tag
def evidence_rows(rows: list[Row], editable: bool, choices: list[tuple[str, str]]) -> SafeString:
    """The compact rows of one group of evidence."""
    return mark_safe("\n".join(_row(row, editable, choices) for row in rows))  # noqa: S308 - escaped above


@register.simple_tag
def timeline_marks(marks: list[Mark]) -> SafeString:
    """One circle per timed item, linked to its row, with its hover title."""
    return mark_safe(  # noqa: S308 - every value is escaped
        "".join(
            f'<a href="#evidence-row-{m.evidence_id}"><circle class="wb-mark" cx="{m.x:.1f}" '
            f'cy="{m.y:.1f}" r="5" fill="{escape(m.colour)}"><title>{escape(m.title)}</title>'
            "</circle></a>"
            for m in marks
        )
    )
