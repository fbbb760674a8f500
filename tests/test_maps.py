"""Choropleth maps: the shipped boundaries, quantile classes computed by hand, the city outlined, the legend and
caption in the report languages, the alt text listing every value, identical PNG bytes for identical input."""

from __future__ import annotations

import hashlib
import json

import pytest
from citybank.maps import BOUNDARIES, boundaries, choropleth, class_of, map_table, quantile_classes
from citybank.plots import HIGHLIGHT, show
from matplotlib.colors import to_hex

SIEMIANOWICE, KATOWICE, CHORZOW, BYTOM = "2474011", "2469011", "2463011", "2462011"


def test_the_shipped_boundaries_are_the_167_gminas_of_slaskie_with_their_source():
    geo = boundaries()
    assert len(geo) == 167 and all(len(k) == 7 and k.startswith("24") for k in geo)
    assert geo[SIEMIANOWICE][0] == "Siemianowice Śląskie"
    assert len(geo[SIEMIANOWICE][1]) == 1  # one polygon (13 vertices in the source)
    source = (BOUNDARIES.parent / "SOURCE.md").read_text(encoding="utf-8")
    assert "PRG" in source and "GUGiK" in source and "31742c58dad9d20308853c5c7ea76b96eebd9945" in source
    assert json.loads(BOUNDARIES.read_text(encoding="utf-8"))["type"] == "FeatureCollection"


def test_quantile_classes_and_the_class_of_a_value():
    # 10 values, 5 classes: inverted-CDF quantiles at 20 %, 40 %, 60 %, 80 % are the 2nd, 4th, 6th, 8th values
    assert quantile_classes([10, 1, 2, 3, 4, 5, 6, 7, 8, 9], 5) == [1, 2, 4, 6, 8, 10]
    assert [class_of(v, [1, 2, 4, 6, 8, 10]) for v in (1, 2, 3, 4, 8.5, 10)] == [0, 0, 1, 1, 4, 4]
    assert quantile_classes([5, 5, 5, 7], 4) == [5, 7]  # repeated bounds merged: one class
    assert quantile_classes([3], 5) == [3, 3]
    with pytest.raises(ValueError, match="at least one value"):
        quantile_classes([])


@pytest.mark.parametrize("lang", ["pl", "en", "de"])
def test_a_map_has_classes_legend_caption_alt_text_and_the_city_outlined(lang):
    values = {KATOWICE: 290_000.0, CHORZOW: 105_000.0, BYTOM: 160_000.0, SIEMIANOWICE: 66_000.0}
    fig = choropleth(values, city=SIEMIANOWICE, title="Ludność", lang=lang, source="GUS, BDL", unit="persons")
    image = show(fig)
    assert image.problems == []
    ax = fig.axes[0]
    legend = [x.get_text() for x in ax.get_legend().get_texts()]
    sep = {"pl": "\xa0", "en": ",", "de": "."}[lang]
    # 4 values, 5 classes → quantile bounds 66 000, 66 000 (merged), 105 000, 160 000, 290 000: 3 classes
    assert legend[:3] == [
        f"66{sep}000 – 105{sep}000 (2)",
        f"105{sep}000 – 160{sep}000 (1)",
        f"160{sep}000 – 290{sep}000 (1)",
    ]
    assert legend[-1] == "Siemianowice Śląskie"
    assert {"pl": "osoby", "en": "persons", "de": "Personen"}[lang] in ax.get_legend().get_title().get_text()
    caption = " ".join(t.get_text() for t in fig.texts)
    assert "GUS, BDL" in caption and "PRG, GUGiK" in caption and "2020" in caption
    # the city's outline in the highlight colour, drawn over the fills
    outlines = [p for p in ax.patches if p.get_facecolor()[3] == 0]
    assert len(outlines) == 1 and to_hex(outlines[0].get_edgecolor()) == HIGHLIGHT.lower()
    assert len(ax.patches) == 167 + 1
    # the text alternative: every gmina with its value, largest first
    assert map_table(fig) == [(KATOWICE, "Katowice", 290_000.0, 3), (BYTOM, "Bytom", 160_000.0, 2),
                              (CHORZOW, "Chorzów", 105_000.0, 1), (SIEMIANOWICE, "Siemianowice Śląskie", 66_000.0, 1)]  # fmt: skip
    alt = image.alt
    assert alt.index("Katowice") < alt.index("Bytom") < alt.index("Chorzów") < alt.index("Siemianowice")
    assert f"290{sep}000" in alt


def test_the_same_map_gives_the_same_bytes_and_an_unknown_gmina_is_named():
    values = {KATOWICE: 1.5, CHORZOW: 2.5, SIEMIANOWICE: 3.0}
    png = [show(choropleth(values, city=SIEMIANOWICE, title="x", lang="en", source="GUS")).png for _ in range(2)]
    assert hashlib.sha256(png[0]).digest() == hashlib.sha256(png[1]).digest()
    with pytest.raises(ValueError, match="1465011"):
        choropleth({"1465011": 1.0}, city=SIEMIANOWICE, title="x", lang="en", source="GUS")
