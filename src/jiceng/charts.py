"""Charts with Chinese labels: a CJK font for matplotlib, and indicator bar charts.

    from jiceng import charts
    charts.use_cjk_font()          # raises FontMissing when no Chinese font is installed

Without a CJK font matplotlib draws empty boxes and only warns "Glyph … missing from font(s)".
With JICENG_STRICT_GLYPHS=1 in the environment (the notebook tests set it) that warning
becomes an error, so a chart that cannot show its labels fails instead of passing silently.
With JICENG_CHART_DIR set, `save` also writes each chart there as PNG.
"""
from __future__ import annotations

import glob
import os
import warnings
from pathlib import Path

# Preferred Chinese fonts, best first; the first is what scripts/setup.sh installs (fonts-noto-cjk).
CJK_FAMILIES = (
    "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Source Han Sans CN",
    "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "Microsoft YaHei", "SimHei", "PingFang SC",
)
# Where Debian's fonts-noto-cjk puts them; JICENG_CJK_FONT may name another font file.
FONT_GLOBS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-*.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK*.otf",
    "/usr/share/fonts/truetype/noto/NotoSansCJK*.tt[cf]",
)
GLYPH_WARNING = r"Glyph \d+ .*missing from font"
STRICT_ENV = "JICENG_STRICT_GLYPHS"
CHART_DIR_ENV = "JICENG_CHART_DIR"

# One colour per province code, so a province looks the same in every chart.
PROVINCE_COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"]


# How a published qualifier shows next to a value: "over 90 %" is drawn as ≥90.0.
QUALIFIER_MARKS = {"over": "≥", "under": "≤", "approx": "≈", "at_least": "≥", "at_most": "≤"}
# Units whose values are whole numbers (shown without decimals).
COUNT_UNITS = {"count", "points"}


class FontMissing(RuntimeError):
    """No font able to draw Chinese is installed."""


def font_files() -> list[str]:
    files = []
    custom = os.environ.get("JICENG_CJK_FONT")
    if custom:
        files.append(custom)
    for pattern in FONT_GLOBS:
        files.extend(sorted(glob.glob(pattern)))
    return files


def use_cjk_font(strict: bool | None = None) -> str:
    """Make matplotlib draw Chinese: register the CJK font, set it first in font.sans-serif.

    Returns the font family used. `strict` (default: the JICENG_STRICT_GLYPHS environment
    variable) turns missing-glyph warnings into errors.
    """
    import matplotlib
    from matplotlib import font_manager

    for path in font_files():
        if Path(path).is_file():
            font_manager.fontManager.addfont(path)
    available = {f.name for f in font_manager.fontManager.ttflist}
    family = next((name for name in CJK_FAMILIES if name in available), None)
    if family is None:
        raise FontMissing(
            "找不到中文字体,图表中的中文会显示为方框。请安装 fonts-noto-cjk(运行 bash scripts/setup.sh,"
            "或 sudo apt-get install fonts-noto-cjk),或用环境变量 JICENG_CJK_FONT 指定字体文件。 / "
            "No Chinese (CJK) font found; chart labels would be empty boxes. Install fonts-noto-cjk "
            "(bash scripts/setup.sh, or sudo apt-get install fonts-noto-cjk), or point JICENG_CJK_FONT at a font file."
        )
    matplotlib.rcParams["font.family"] = "sans-serif"
    rest = [f for f in matplotlib.rcParams["font.sans-serif"] if f != family]
    matplotlib.rcParams["font.sans-serif"] = [family, *rest]
    matplotlib.rcParams["axes.unicode_minus"] = False  # the CJK font's hyphen, not U+2212
    if strict if strict is not None else os.environ.get(STRICT_ENV, "") not in ("", "0"):
        strict_glyphs()
    return family


def strict_glyphs() -> None:
    """Turn matplotlib's "Glyph … missing from font(s)" warning into an error."""
    warnings.filterwarnings("error", message=GLYPH_WARNING, category=UserWarning)


def save(fig, name: str, folder: str | Path | None = None) -> Path | None:
    """Draw `fig` now (so a missing glyph shows up in the cell that made it) and, when a folder
    is given or JICENG_CHART_DIR is set, write it there as <name>.png."""
    fig.canvas.draw()
    folder = folder or os.environ.get(CHART_DIR_ENV)
    if not folder:
        return None
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    fig.savefig(path, dpi=150, bbox_inches="tight")
    return path


def format_value(value, unit: str | None = None, qualifier: str | None = None, decimals: int = 1) -> str:
    """A value as a reader should see it: empty when missing (never "NaN"), counts as integers,
    and the published qualifier in front (≥90, ≈3000)."""
    try:
        import math

        if value is None or (isinstance(value, float) and math.isnan(value)):
            return ""
    except TypeError:
        pass
    try:
        import pandas as pd

        if pd.isna(value):
            return ""
    except (TypeError, ValueError):
        pass
    mark = QUALIFIER_MARKS.get(qualifier or "", "")
    if isinstance(value, (int, float)):
        if unit in COUNT_UNITS or float(value).is_integer():  # whole numbers without decimals: 90, not 90.0
            return f"{mark}{float(value):,.0f}"
        return f"{mark}{float(value):,.{decimals}f}"
    return f"{mark}{value}"


def display_table(df, value_columns=None, unit_column: str = "unit", qualifier_column: str = "value_qualifier"):
    """A copy of an indicator table ready to show (notebooks, comparison.html): every cell text,
    missing values empty (no NaN), counts without decimals, qualifiers kept (≥90)."""
    import pandas as pd

    out = df.copy()
    numeric = [c for c in out.columns if pd.api.types.is_numeric_dtype(out[c]) and not pd.api.types.is_bool_dtype(out[c])]
    value_columns = value_columns if value_columns is not None else numeric
    units = out[unit_column] if unit_column in out else pd.Series(None, index=out.index)
    quals = out[qualifier_column] if qualifier_column in out else pd.Series(None, index=out.index)
    for c in numeric:
        if c == "value":
            out[c] = [format_value(v, u, q) for v, u, q in zip(out[c], units, quals)]
        elif c in ("numerator", "denominator", "n_valid", "n_dont_know", "n_not_applicable", "n_refused"):
            out[c] = [format_value(v, "count") for v in out[c]]
        else:
            out[c] = [format_value(v, None) for v in out[c]]
    return out.astype("object").where(out.notna(), "").astype(str).replace({"nan": "", "<NA>": "", "None": ""})


def cite(fig, *, packages, period, version, simulated: bool, level: str | None = None, extra: str = "") -> None:
    """Write the chart's sources in the chart itself: packages, period, standard version, the level
    compared, and 示例/simulated when any package is simulated example data."""
    parts = [f"来源 Source: {', '.join(sorted(set(packages)))}", f"期间 Period: {period}", f"标准 Standard {version}"]
    if level:
        parts.append(f"层级 Level: {level}")
    if simulated:
        parts.append("示例数据,模拟 / simulated example data")
    if extra:
        parts.append(extra)
    fig.text(0.01, 0.005, " · ".join(parts), fontsize=7.5, color="#444444", ha="left", va="bottom", wrap=True)
    fig.subplots_adjust(bottom=max(fig.subplotpars.bottom, 0.2))


def unit_points(ax, table, *, title: str, ylabel: str, colours: dict | None = None, group: str = "province",
                label: str = "label"):
    """One point per unit (community, village, grid …) with its interval, grouped left to right by
    `group` (the province), so that many units of the same level can be compared at a glance.

    `table` needs columns value, province_code, province and `label`; ci_low / ci_high are drawn
    as error bars when present."""
    import numpy as np

    table = table.dropna(subset=["value"]).sort_values(["province_code", label]).reset_index(drop=True)
    colours = colours or province_colours(table["province_code"])
    groups = list(dict.fromkeys(table["province_code"]))
    x = np.zeros(len(table))
    for i, code in enumerate(groups):  # spread the units of a group evenly (deterministic, no random jitter)
        idx = np.flatnonzero((table["province_code"] == code).to_numpy())
        x[idx] = i + (np.linspace(-0.25, 0.25, len(idx)) if len(idx) > 1 else 0)
    for code in groups:
        part = table["province_code"] == code
        ax.scatter(x[part.to_numpy()], table.loc[part, "value"], color=colours[code], s=22, zorder=3,
                   label=table.loc[part, "province"].iloc[0])
    if {"ci_low", "ci_high"} <= set(table.columns) and table["ci_low"].notna().any():
        has = table["ci_low"].notna() & table["ci_high"].notna()
        low = (table["value"] - table["ci_low"]).clip(lower=0)[has]
        high = (table["ci_high"] - table["value"]).clip(lower=0)[has]
        ax.errorbar(x[has.to_numpy()], table["value"][has], yerr=[low, high], fmt="none", ecolor="#555555",
                    elinewidth=0.8, capsize=2, zorder=2)
    for i, code in enumerate(groups):
        part = table[table["province_code"] == code]
        ax.hlines(part["value"].median(), i - 0.3, i + 0.3, color="black", linewidth=1.2, zorder=4)
        ax.annotate(f"n={len(part)}", (i, 0), xytext=(0, 2), textcoords="offset points", ha="center", va="bottom",
                    fontsize=8, xycoords=("data", "axes fraction"))
    ax.set_xticks(range(len(groups)), [table[table["province_code"] == c]["province"].iloc[0] for c in groups])
    ax.set_title(title)
    ax.set_ylabel(ylabel)
    ax.spines[["top", "right"]].set_visible(False)
    return ax


def province_colours(codes) -> dict:
    """A stable colour for each province code."""
    return {c: PROVINCE_COLOURS[i % len(PROVINCE_COLOURS)] for i, c in enumerate(sorted(set(codes)))}


def indicator_bars(ax, table, *, title: str, ylabel: str, colours: dict | None = None, value_format: str = "{:.1f}"):
    """Bars of one indicator, one per row of `table`, grouped by province (left to right).

    `table` needs columns label, province_code, province, value, and optionally ci_low,
    ci_high (drawn as error bars), reported (hatched bars for published figures),
    value_qualifier (≥, ≤, ≈ before the value) and unit (a 0–100 axis for percentages).
    """
    import numpy as np

    table = table.sort_values(["province_code", "label"]).reset_index(drop=True)
    colours = colours or province_colours(table["province_code"])
    x = np.arange(len(table))
    bars = ax.bar(x, table["value"], color=[colours[c] for c in table["province_code"]], width=0.65)
    if "reported" in table:
        for bar, reported in zip(bars, table["reported"]):
            if reported:
                bar.set_hatch("//")
                bar.set_edgecolor("white")
    top = table["value"]
    if {"ci_low", "ci_high"} <= set(table.columns) and table["ci_low"].notna().any():
        has = table["ci_low"].notna() & table["ci_high"].notna()
        low = (table["value"] - table["ci_low"]).clip(lower=0)[has]
        high = (table["ci_high"] - table["value"]).clip(lower=0)[has]
        ax.errorbar(x[has.to_numpy()], table["value"][has], yerr=[low, high], fmt="none", ecolor="black", capsize=4)
        top = table[["value", "ci_high"]].max(axis=1)
    qualifiers = table["value_qualifier"] if "value_qualifier" in table else [None] * len(table)
    units = table["unit"] if "unit" in table else [None] * len(table)
    for xi, value, y, q, u in zip(x, table["value"], top, qualifiers, units):
        if value == value:  # not NaN
            text = QUALIFIER_MARKS.get(q, "") + (f"{value:,.0f}" if u in COUNT_UNITS else value_format.format(value))
            ax.annotate(text, (xi, y), ha="center", va="bottom", fontsize=9, xytext=(0, 3), textcoords="offset points")
    if "unit" in table and (table["unit"] == "percent").all():
        ax.set_ylim(0, 125)  # room for the labels and the legend above 100 %
        ax.set_yticks(range(0, 101, 20))
    elif top.notna().any():
        ax.set_ylim(0, top.max() * 1.3)
    ax.set_xticks(x, table["label"], rotation=20, ha="right")
    ax.set_title(title)
    ax.set_ylabel(ylabel)
    ax.spines[["top", "right"]].set_visible(False)
    seen = dict(zip(table["province_code"], table["province"]))
    from matplotlib.patches import Patch

    handles = [Patch(color=colours[c], label=seen[c]) for c in sorted(seen)]
    if "reported" in table and table["reported"].any():
        handles.append(Patch(facecolor="white", edgecolor="grey", hatch="//", label="公布值"))
    ax.legend(handles=handles, fontsize=8, frameon=False, loc="upper center", ncol=len(handles))
    return ax
