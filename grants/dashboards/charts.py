"""Charts drawn on the server as SVG by pygal, placed in the page as they are: no JavaScript, nothing loaded
from elsewhere, and readable without the picture (each chart is an image with its title for screen readers, and
the page puts its data table behind it).

pygal writes its stylesheet and a configuration script into every chart. The page's content security policy
allows neither inline, so both are taken out of each chart, and the stylesheet (the same for every chart, made by
pygal from our style) is served once from `/dashboards/charts.css`, scoped to the class `pomost-chart`.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from decimal import Decimal
from functools import cache

import pygal
from markupsafe import Markup
from pygal.style import Style

# Bootstrap's colours, in an order where neighbours differ for colour-blind readers too.
PALETTE = ("#0d6efd", "#fd7e14", "#198754", "#6f42c1", "#d63384", "#20c997", "#6c757d", "#dc3545", "#0dcaf0",
           "#ffc107", "#052c65", "#8c6d1f")
FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif'
STYLE = Style(background="transparent", plot_background="transparent", foreground="#212529",
              foreground_strong="#212529", foreground_subtle="#6c757d", colors=PALETTE, font_family=FONT,
              title_font_size=18, label_font_size=13, major_label_font_size=13, legend_font_size=14,
              value_font_size=13, tooltip_font_size=13, opacity=".9", opacity_hover="1")
CLASS = "pomost-chart"
CONFIG = {"style": STYLE, "js": [], "no_prefix": True, "disable_xml_declaration": True, "width": 900, "height": 380,
          "legend_at_bottom": True, "legend_at_bottom_columns": 2, "truncate_legend": -1, "truncate_label": -1,
          "print_zeroes": False, "margin": 12, "spacing": 12, "classes": ["pygal-chart", CLASS]}
SVG_NS = "http://www.w3.org/2000/svg"


def bar(key: str, title: str, labels: Sequence[str], series: dict[str, Sequence], *, horizontal: bool = False,
        formatter: Callable | None = None, narrow: bool = False) -> Markup:
    """Bars of one or more series over the labels (categories); narrow: for half the page's width."""
    size = {"width": 560, "height": 400, "legend_at_bottom_columns": 1} if narrow else {}
    horizontal = horizontal or _crowded(labels, size.get("width", CONFIG["width"]))  # long labels read across
    if horizontal:
        size["height"] = max(size.get("height", CONFIG["height"]), 60 + 34 * len(labels))
    chart = (pygal.HorizontalBar if horizontal else pygal.Bar)(
        **{**CONFIG, **size, **_whole_steps(series)}, x_labels=list(labels), show_legend=len(series) > 1,
        value_formatter=formatter or _plain)
    for name, values in series.items():
        chart.add(name, [_number(v) for v in values])
    return _svg(chart, key, title)


def line(key: str, title: str, labels: Sequence[str], series: dict[str, Sequence], *,
         formatter: Callable | None = None) -> Markup:
    """Lines over time: the labels are the periods."""
    chart = pygal.Line(**CONFIG, x_labels=list(labels), x_label_rotation=30 if _crowded(labels, 900) else 0,
                       show_minor_x_labels=len(labels) <= 24, x_labels_major_every=max(len(labels) // 12, 1),
                       value_formatter=formatter or _plain, dots_size=3)
    for name, values in series.items():
        chart.add(name, [_number(v) for v in values])
    return _svg(chart, key, title)


def _crowded(labels: Sequence[str], width: int) -> bool:
    """Whether the labels side by side would run into each other (about 8 pixels a letter, with a gap)."""
    return sum(len(str(label)) + 2 for label in labels) * 8 > width - 120


def _whole_steps(series: dict[str, Sequence]) -> dict:
    """Counts get whole-number steps on their axis (no 0.2 of an application)."""
    values = [v for values in series.values() for v in values if v is not None]
    if not values or not all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return {}
    top = max(max(values), 1)
    step = max(-(-top // 8), 1)
    return {"y_labels": list(range(0, top + step, step))}


def _number(value) -> float | None:
    # pygal draws floats; the exact amounts stay in the data table and the downloads.
    return None if value is None else float(value)


def _plain(value) -> str:
    return f"{Decimal(str(value)).normalize():f}" if value is not None else ""


def _svg(chart, key: str, title: str) -> Markup:
    tree = chart.render_tree()
    for defs in tree.findall("defs"):
        for child in list(defs):
            if child.tag in ("style", "script"):
                defs.remove(child)
    for stray in [c for c in tree if c.tag is ET.Comment or c.tag == "title"]:  # comments, pygal's "Pygal"
        tree.remove(stray)
    for parent in tree.iter():
        for child in [c for c in parent if _for_tooltips(parent, c)]:
            parent.remove(child)
    for element in tree.iter():
        if element.get("id") is not None:  # empty, or the tooltips' ids: repeated when a page has two charts
            del element.attrib["id"]
    # The page shows the title above the chart; screen readers read it as the image's name.
    name = ET.Element("title", {"id": f"chart-{key}-title"})
    name.text = title
    tree.insert(0, name)
    tree.set("aria-labelledby", f"chart-{key}-title")
    tree.set("role", "img")
    if float((tree.get("viewBox") or "0 0 0 0").split()[2]) >= 800:  # a page-wide chart keeps more width on a phone
        tree.set("class", f"{tree.get('class', '')} {CLASS}-wide".strip())
    tree.set("xmlns", SVG_NS)
    return Markup(ET.tostring(tree, encoding="unicode", short_empty_elements=True))


def _for_tooltips(parent, child) -> bool:
    """What pygal's tooltip script would use: the tooltip, the points' coordinates, the guides' positions."""
    classes = set((child.get("class") or "").split())
    return ("tooltip" in classes or (child.tag == "desc" and classes & {"x", "y"})
            or (child.tag == "title" and "guides" in (parent.get("class") or "").split()))


@cache
def stylesheet() -> str:
    """pygal's stylesheet for our style, scoped to our charts (made once, from a chart with every colour)."""
    chart = pygal.Bar(**{**CONFIG, "no_prefix": False})
    for n in range(len(PALETTE)):
        chart.add(str(n), [1])
    tree = chart.render_tree()
    css = "\n".join(style.text or "" for defs in tree.findall("defs") for style in defs.findall("style"))
    scoped = re.sub(r"#chart-[0-9a-f-]+", f".{CLASS}", css)
    # The chart fills the width it is given, keeping its proportions; on a phone it keeps a readable size and
    # its figure scrolls sideways.
    return scoped + (f"\n.{CLASS}{{width:100%;height:auto;display:block;min-width:520px}}"
                     f"\n.{CLASS}-wide{{min-width:760px}}"
                     # Lines that run together (awarded equal to committed) stay told apart by their dashes.
                     f"\n.{CLASS} .series .line{{stroke-width:2}}"
                     f"\n.{CLASS} .series.serie-1 .line{{stroke-dasharray:9 5}}"
                     f"\n.{CLASS} .series.serie-2 .line{{stroke-dasharray:2 4}}"
                     f"\n.{CLASS} .series.serie-3 .line{{stroke-dasharray:12 4 3 4}}"
                     f"\nfigure:has(> .{CLASS}){{overflow-x:auto}}\n")
