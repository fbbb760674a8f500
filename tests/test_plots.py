"""The house style: deterministic PNGs, Polish glyphs, locale axes, no leaking rcParams."""

from __future__ import annotations

import io
import math
import struct
import warnings
import zlib

import matplotlib
import pandas as pd
import pytest
from citybank.narrative import MINUS, NBSP
from citybank.plots import (
    HIGHLIGHT,
    PALETTE,
    STYLE,
    LocaleFormatter,
    alt_text,
    apply_style,
    bar_chart,
    district_bars,
    figure_alt_text,
    figure_problems,
    line_chart,
    peer_comparison,
    png_bytes,
    save_png,
    show,
    style_context,
)
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties, findfont

POLISH = "ąćęłńóśźż ĄĆĘŁŃÓŚŹŻ"


def population() -> pd.DataFrame:
    years = list(range(2015, 2025))
    return pd.DataFrame(
        {
            "year": years * 2,
            "city": ["Siemianowice Śląskie"] * 10 + ["Chorzów"] * 10,
            "value": [68000 - 500 * i for i in range(10)] + [108000 - 900 * i for i in range(10)],
        }
    )


def districts() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "district": ["Bańgów", "Bytków", "Michałkowice", "Przełajka", "Centrum"],
            "value": [5200, 14000, 17000, 9000, 16000],
        }
    )


def png_chunks(data: bytes) -> list[bytes]:
    """Chunk types of a PNG file, in order (checks the structure, not just the signature)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, types = 8, []
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        assert zlib.crc32(kind + body) == crc
        types.append(kind)
        pos += 12 + length
    return types


def test_palette_is_okabe_ito():
    assert len(PALETTE) == 8
    assert len(set(PALETTE)) == 8
    assert set(PALETTE) == {"#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000"}
    assert HIGHLIGHT in PALETTE


def test_house_font_is_bundled_dejavu():
    path = findfont(FontProperties(family=STYLE["font.sans-serif"][0]), fallback_to_default=False)
    assert path.endswith("DejaVuSans.ttf")


def test_polish_glyphs_render_without_missing_glyph_warnings():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig = bar_chart(districts(), "district", "value", title=POLISH, lang="pl", source="Urząd Miasta; ŹŻĆ")
        fig.canvas.draw()
    assert [str(w.message) for w in caught if "Glyph" in str(w.message)] == []


def test_missing_glyph_check_can_fail():
    """The check above would catch a glyph DejaVu Sans lacks (a CJK ideograph)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig = bar_chart(districts(), "district", "value", title="中", lang="pl", source="UM")
        fig.canvas.draw()
    assert any("Glyph 20013" in str(w.message) for w in caught)


def test_save_png_is_byte_identical(tmp_path):
    a = save_png(
        line_chart(
            population(),
            "year",
            "value",
            "city",
            title="Ludność",
            lang="pl",
            source="GUS, BDL",
            highlight="Siemianowice Śląskie",
        ),
        tmp_path / "a.png",
    )
    b = save_png(
        line_chart(
            population(),
            "year",
            "value",
            "city",
            title="Ludność",
            lang="pl",
            source="GUS, BDL",
            highlight="Siemianowice Śląskie",
        ),
        tmp_path / "sub" / "b.png",
    )
    data = a.read_bytes()
    assert data == b.read_bytes()
    chunks = png_chunks(data)
    assert chunks[0] == b"IHDR" and chunks[-1] == b"IEND"
    assert b"tEXt" not in chunks and b"tIME" not in chunks  # no Software/version, no timestamp
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (1200, 675)
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["a.png", "b.png", "sub"]  # no temp files left


def test_different_language_gives_different_png():
    df = population()
    pl = png_bytes(line_chart(df, "year", "value", "city", title="T", lang="pl", source="GUS"))
    en = png_bytes(line_chart(df, "year", "value", "city", title="T", lang="en", source="GUS"))
    assert pl != en


def test_style_does_not_leak():
    before = {k: matplotlib.rcParams[k] for k in STYLE}
    with style_context():
        assert matplotlib.rcParams["axes.titlelocation"] == "left"
        assert matplotlib.rcParams["font.sans-serif"] == ["DejaVu Sans"]
    line_chart(population(), "year", "value", "city", title="T", lang="de", source="GUS")
    assert {k: matplotlib.rcParams[k] for k in STYLE} == before


def test_apply_style_is_explicit_and_idempotent():
    with matplotlib.rc_context():
        apply_style()
        once = dict(matplotlib.rcParams)
        apply_style()
        assert dict(matplotlib.rcParams) == once
        assert matplotlib.rcParams["axes.spines.top"] is False


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("pl", ["0", f"20{NBSP}000", f"40{NBSP}000"]),
        ("en", ["0", "20,000", "40,000"]),
        ("de", ["0", "20.000", "40.000"]),
    ],
)
def test_locale_formatter_thousands(lang, expected):
    fmt = LocaleFormatter(lang)
    locs = [0, 20000, 40000]
    assert fmt.format_ticks(locs) == expected


def test_locale_formatter_decimals_minus_and_percent():
    assert LocaleFormatter("pl").format_ticks([0, 0.5, 1]) == ["0,0", "0,5", "1,0"]
    assert LocaleFormatter("en").format_ticks([0, 0.25, 0.5]) == ["0.00", "0.25", "0.50"]
    assert LocaleFormatter("pl").format_ticks([-5000, 0]) == [f"{MINUS}5{NBSP}000", "0"]
    assert LocaleFormatter("de", percent=True).format_ticks([10, 12.5]) == [f"10,0{NBSP}%", f"12,5{NBSP}%"]


def tick_texts(fig: Figure, axis: str) -> list[str]:
    fig.canvas.draw()
    ax = fig.axes[0]
    labels = ax.get_xticklabels() if axis == "x" else ax.get_yticklabels()
    return [lab.get_text() for lab in labels if lab.get_text()]


def test_line_chart_axes_years_plain_values_localised():
    fig = line_chart(population(), "year", "value", "city", title="Bevölkerung", lang="de", source="GUS")
    years = tick_texts(fig, "x")
    assert "2016" in years and all(y.isdigit() for y in years)
    values = tick_texts(fig, "y")
    assert "100.000" in values
    assert [t.get_text() for t in fig.texts] == ["Quelle: GUS; eigene Berechnungen"]


def test_district_bars_order_and_city_line():
    fig = district_bars(
        districts(),
        "district",
        "value",
        title="Ludność w dzielnicach",
        lang="pl",
        source=["Urząd Miasta"],
        city_value=12000,
    )
    assert tick_texts(fig, "y") == ["Michałkowice", "Centrum", "Bytków", "Przełajka", "Bańgów"]
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert legend == [f"Miasto ogółem: 12{NBSP}000"]
    assert fig.texts[0].get_text() == "Źródło: Urząd Miasta; opracowanie własne"
    assert figure_alt_text(fig) == (
        f"Wykres słupkowy „Ludność w dzielnicach”, 5 słupków: najwyższa wartość – Michałkowice (17{NBSP}000), "
        f"najniższa – Bańgów (5{NBSP}200)."
    )


def test_peer_comparison_highlights_the_city():
    values = {"Siemianowice Śląskie": 5.1, "Katowice": 3.2, "Bytom": 9.9, "Gdynia": None}
    fig = peer_comparison(
        values, "Siemianowice Śląskie", title="Unemployment rate", lang="en", source="GUS, BDL", percent=True
    )
    ax = fig.axes[0]
    assert tick_texts(fig, "y") == ["Bytom", "Siemianowice Śląskie", "Katowice"]
    colors = [to_hex(p.get_facecolor()).upper() for p in ax.patches]
    assert colors == ["#A6A6A6", HIGHLIGHT, "#A6A6A6"]
    assert [t.get_text() for t in ax.texts] == ["9.9%", "5.1%", "3.2%"]
    assert figure_alt_text(fig) == (
        "Bar chart “Unemployment rate”, 3 bars: highest Bytom (9.9%), "
        "lowest Katowice (3.2%); Siemianowice Śląskie ranks 2 of 3."
    )
    with pytest.raises(ValueError, match="'Kielce' is not among the values"):
        peer_comparison(values, "Kielce", title="T", lang="en", source="GUS")


def test_every_chart_needs_a_source():
    with pytest.raises(ValueError, match="every chart needs a source"):
        bar_chart(districts(), "district", "value", title="T", lang="en", source="  ")


def test_alt_text():
    assert alt_text("line", "Ludność", "pl", {2015: 68000, 2024: 62817}, unit="persons") == (
        f"Wykres liniowy „Ludność”, lata 2015–2024: od 68{NBSP}000 osób w 2015 r. do 62{NBSP}817 osób w 2024 r."
    )
    assert alt_text(
        "line",
        "Population",
        "en",
        {2024: 62817, 2015: 68000},
        unit="persons",
        series_count=2,
        series_name="Siemianowice Śląskie",
    ) == (
        "Line chart “Population”, 2015–2024: from 68,000 people in 2015 to 62,817 people in 2024 "
        "(2 lines; described: “Siemianowice Śląskie”)."
    )
    assert alt_text("bar", "Bevölkerung", "de", {}) == "Balkendiagramm „Bevölkerung“: keine Daten."
    fig = line_chart(
        population(),
        "year",
        "value",
        "city",
        title="Ludność",
        lang="pl",
        source="GUS",
        highlight="Siemianowice Śląskie",
        unit="persons",
    )
    assert figure_alt_text(fig).endswith("(2 serie; opisano „Siemianowice Śląskie”).")
    with pytest.raises(ValueError, match="not made by citybank.plots"):
        figure_alt_text(Figure())


def test_png_bytes_are_a_valid_image():
    from PIL import Image

    data = png_bytes(bar_chart(districts(), "district", "value", title="T", lang="en", source="UM"))
    with Image.open(io.BytesIO(data)) as img:
        assert img.size == (1200, 675)
        assert img.getpixel((5, 5))[:3] == (255, 255, 255)


def test_show_gives_png_with_alt_text_in_metadata():
    fig = peer_comparison(
        {"Siemianowice Śląskie": 5.1, "Katowice": 3.2},
        "Siemianowice Śląskie",
        title='Stopa "bezrobocia" <2024>',
        lang="pl",
        source="GUS",
        percent=True,
    )
    out = show(fig)
    data, meta = out._repr_mimebundle_()
    assert data["image/png"] == png_bytes(fig)
    alt = (
        'Wykres słupkowy „Stopa "bezrobocia" <2024>”, 2 słupki: najwyższa wartość – '
        "Siemianowice Śląskie (5,1%), najniższa – Katowice (3,2%); Siemianowice Śląskie na 1. miejscu."
    )
    assert data["text/plain"] == alt and meta == {"image/png": {"alt": alt}}


def test_a_missing_year_is_a_gap_and_a_break_is_a_labelled_rule():
    df = pd.DataFrame({"year": [2017, 2019, 2020, 2021, 2022], "value": [5.0, 6.0, float("nan"), 4.0, 4.5]})
    fig = line_chart(df, "year", "value", title="Stopa", lang="pl", source="GUS", unit="%", breaks=[2021])
    ax = fig.axes[0]
    [line] = [ln for ln in ax.get_lines() if ln.get_linestyle() == "-"]
    xs, ys = list(line.get_xdata()), list(line.get_ydata())
    assert xs == [2017, 2018, 2019, 2020, 2020.5, 2021, 2022]
    assert [math.isnan(v) for v in ys] == [False, True, False, True, True, False, False]  # never bridged
    [rule] = [ln for ln in ax.get_lines() if ln.get_linestyle() == "--"]
    assert list(rule.get_xdata()) == [2020.5, 2020.5]
    assert "zerwanie szeregu (2021)" in [tx.get_text() for tx in ax.texts]
    assert figure_alt_text(fig) == (
        "Wykres liniowy „Stopa”, lata 2017–2022: od 5,0% w 2017 r. do 4,5% w 2022 r.; brak danych za 2018 i 2020; "
        "zerwanie szeregu w 2021 r."
    )


# ------------------------------------------------------------------------------ the figure check


def test_figure_check_passes_a_readable_chart():
    df = pd.DataFrame({"year": range(2015, 2025), "value": [float(v) for v in range(10)]})
    fig = line_chart(df, "year", "value", title="Ludność", lang="pl", source="GUS", ylabel="osoby")
    assert figure_problems(fig) == []


def test_figure_check_finds_what_a_reader_cannot_read():
    from matplotlib.figure import Figure as MplFigure

    fig = MplFigure(figsize=(3, 2))
    ax = fig.add_subplot()
    years = list(range(2000, 2030))
    ax.plot(years, [0.0012 + i * 1e-6 for i in range(30)])
    ax.set_xticks(years, [str(y) for y in years])  # thirty year labels on a 3-inch axis run together
    ax.yaxis.set_major_formatter(matplotlib.ticker.FormatStrFormatter("%.3f"))  # 0,001 0,001 …
    ax.set_title("Fortschritt auf dem Zielpfad, 2015–2024, gemessen an allen Indikatoren der Strategie")
    ax.citybank_value_axis = "y"
    problems = figure_problems(fig)
    assert any(p.startswith("x tick label '2000' overlaps x tick label '2001'") for p in problems)
    assert any(p.startswith("title 'Fortschritt") and p.endswith("runs outside the figure") for p in problems)
    assert any(p.startswith("the y axis repeats tick labels '0.001'") for p in problems)
    assert "the value axis (y) of 'Fortschritt auf dem Zielpfad, 2015–2024, gemessen an allen Indikatoren der " \
           "Strategie' has no unit" in problems  # fmt: skip


def test_show_carries_the_problems_for_the_build_check():
    df = pd.DataFrame({"year": [2023, 2024], "value": [1.0, 2.0]})
    image = show(line_chart(df, "year", "value", title="T", lang="en", source="GUS"))
    data, meta = image._repr_mimebundle_()
    assert meta["image/png"]["citybank_problems"] == ["the value axis (y) of 'T' has no unit"]
