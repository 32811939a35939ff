"""Dashboard charts as Plotly figure specs (plain data; plotly.js draws them in the page)."""

from __future__ import annotations

from typing import Any

from callqa.store.stats import Overview

FONT = {"family": "system-ui, -apple-system, 'Segoe UI', 'Microsoft YaHei', 'WenQuanYi Micro Hei', sans-serif",
        "size": 12, "color": "#334155"}
BLUE, RED, GREEN, GREY = "#2563eb", "#dc2626", "#16a34a", "#94a3b8"


def _layout(**extra: Any) -> dict[str, Any]:
    layout: dict[str, Any] = {
        "font": FONT, "margin": {"l": 48, "r": 16, "t": 8, "b": 40}, "height": 280,
        "paper_bgcolor": "rgba(0,0,0,0)", "plot_bgcolor": "rgba(0,0,0,0)", "showlegend": False,
        "xaxis": {"gridcolor": "#e2e8f0", "zeroline": False}, "yaxis": {"gridcolor": "#e2e8f0", "zeroline": False},
    }
    layout.update(extra)
    return layout


def histogram(overview: Overview, pass_mark: float) -> dict[str, Any]:
    labels = [f"{i * 10}–{i * 10 + 10}" for i in range(len(overview.histogram))]
    colors = [GREEN if (i + 1) * 10 > pass_mark else RED for i in range(len(overview.histogram))]
    return {
        "data": [{"type": "bar", "x": labels, "y": overview.histogram, "marker": {"color": colors},
                  "hovertemplate": "%{x} 分：%{y} 通<extra></extra>"}],
        "layout": _layout(xaxis={"title": {"text": "得分 score"}, "type": "category"},
                          yaxis={"title": {"text": "通话数 calls"}, "gridcolor": "#e2e8f0", "rangemode": "tozero"}),
    }


def worst(overview: Overview, names: dict[str, str]) -> dict[str, Any]:
    rows = list(reversed(overview.worst))  # the worst on top
    labels = [f"{names.get(c, c)} {c}" for c, _ in rows]
    return {
        "data": [{"type": "bar", "orientation": "h", "x": [n for _, n in rows], "y": labels,
                  "marker": {"color": RED}, "hovertemplate": "%{y}：%{x} 次<extra></extra>"}],
        "layout": _layout(margin={"l": 250, "r": 16, "t": 8, "b": 40},
                          height=max(200, 34 * len(rows) + 60),
                          xaxis={"title": {"text": "不通过次数 fails"}, "gridcolor": "#e2e8f0", "dtick": 1
                                 if max((n for _, n in rows), default=0) < 10 else None}),
    }


def trend(overview: Overview) -> dict[str, Any]:
    days = [d.day.isoformat() for d in overview.trend]
    return {
        "data": [
            {"type": "scatter", "mode": "lines+markers", "name": "平均分 average", "x": days,
             "y": [round(d.average, 1) for d in overview.trend], "line": {"color": BLUE, "width": 2},
             "hovertemplate": "%{x}<br>平均分 %{y}<extra></extra>"},
            {"type": "bar", "name": "通话数 calls", "x": days, "y": [d.calls for d in overview.trend],
             "yaxis": "y2", "marker": {"color": GREY, "opacity": 0.35},
             "hovertemplate": "%{x}<br>%{y} 通<extra></extra>"},
        ],
        "layout": _layout(showlegend=True, legend={"orientation": "h", "y": 1.12, "x": 0},
                          margin={"l": 48, "r": 48, "t": 24, "b": 40},
                          xaxis={"type": "date", "gridcolor": "#e2e8f0", "tickformat": "%m-%d"},
                          yaxis={"title": {"text": "平均分"}, "gridcolor": "#e2e8f0", "rangemode": "tozero"},
                          yaxis2={"title": {"text": "通话数"}, "overlaying": "y", "side": "right",
                                  "showgrid": False, "rangemode": "tozero", "tickformat": "d"}),
    }


def dashboard(overview: Overview, names: dict[str, str], pass_mark: float) -> dict[str, dict[str, Any]]:
    return {"histogram": histogram(overview, pass_mark), "worst": worst(overview, names),
            "trend": trend(overview)}
