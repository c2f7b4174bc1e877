"""The dashboard's server-drawn charts: scales, labels, proportions, escaping and colour contrast."""
from __future__ import annotations

import re

import lxml.html
import pytest

from services.reporting.domain.svg_charts import (PALETTE, SLA_COLOURS, compact_gbp, nice_ceiling, series_colours,
                                                  share_ring, stacked_columns, stacked_rows, ticks)


def rects(svg: str) -> list[dict[str, str]]:
    return [dict(r.attrib) for r in lxml.html.fromstring(svg).xpath("//rect")]


@pytest.mark.parametrize("value, top", [(0, 1), (1, 1), (3, 5), (7, 10), (12, 20), (21, 50), (60, 100),
                                        (110_314_071_81, 200_000_000_00)])
def test_an_axis_tops_out_at_the_next_one_two_or_five(value, top):
    assert nice_ceiling(value) == top


def test_gridlines_are_whole_numbers_that_reach_the_top():
    assert ticks(1) == [0, 1]
    assert ticks(2) == [0, 1, 2]
    assert ticks(20) == [0, 5, 10, 15, 20]
    assert ticks(5_000_000) == [0, 1_000_000, 2_000_000, 3_000_000, 4_000_000, 5_000_000]


@pytest.mark.parametrize("pence, label", [(0, "£0"), (95_000, "£950"), (1_200_000, "£12k"), (125_000, "£1.2k"),
                                          (120_000_000, "£1.2m"), (5_000_000_000, "£50m")])
def test_axis_money_is_compact_whole_pounds(pence, label):
    assert compact_gbp(pence) == label


def test_stacked_columns_are_as_tall_as_their_share_of_the_axis():
    svg = stacked_columns(["Jan", "Feb"], [("Home care", [300, 100]), ("Day care", [100, 0])], title="t", desc="d",
                          fmt=str, axis_fmt=str, colours=["#000", "#111"])
    bars = {(r["data-series"], r["data-label"]): r for r in rects(svg)}
    assert set(bars) == {("Home care", "Jan"), ("Day care", "Jan"), ("Home care", "Feb")}  # nothing drawn for 0
    jan = float(bars[("Home care", "Jan")]["height"])
    assert float(bars[("Day care", "Jan")]["height"]) == pytest.approx(jan / 3, abs=0.1)
    assert float(bars[("Home care", "Feb")]["height"]) == pytest.approx(jan / 3, abs=0.1)
    # Day care sits on top of home care in January.
    assert float(bars[("Day care", "Jan")]["y"]) + float(bars[("Day care", "Jan")]["height"]) == \
        pytest.approx(float(bars[("Home care", "Jan")]["y"]), abs=0.1)


def test_a_chart_says_so_when_there_is_nothing_to_draw():
    svg = stacked_columns(["Jan"], [("Paid", [0])], title="Paid", desc="d", fmt=str, axis_fmt=str, colours=["#000"],
                          empty="No payments yet.")
    assert "No payments yet." in svg and not rects(svg)


def test_every_chart_is_a_titled_image_for_screen_readers():
    for svg in (stacked_rows([("a", [1])], ["s"], title="Lag", desc="Records", fmt=str, colours=["#000"]),
                share_ring(92.5, title="Within 30 days", caption="92.5% of invoices")):
        root = lxml.html.fromstring(svg)
        assert root.get("role") == "img"
        ids = root.get("aria-labelledby").split()
        assert [root.xpath(f'string(//*[@id="{i}"])') for i in ids][0] in ("Lag", "Within 30 days")


def test_rows_of_nothing_keep_their_place_with_zero_written():
    svg = stacked_rows([("delivery.ecm", [0]), ("invoicing.delivery", [0])], ["Records waiting"], title="Lag",
                       desc="d", fmt=str, colours=["#000"])
    assert "delivery.ecm" in svg and "invoicing.delivery" in svg and not rects(svg)


def test_labels_from_events_are_escaped_not_run():
    svg = stacked_columns(["<b>Jan</b>"], [("<script>alert(1)</script>", [5])], title="t", desc="d", fmt=str,
                          axis_fmt=str, colours=["#000"])
    assert "<script>" not in svg and "&lt;script&gt;" in svg


def test_the_others_series_is_grey_and_the_rest_take_the_palette_in_order():
    assert series_colours(["A", "B", "All others"], "All others") == [PALETTE[0], PALETTE[1], PALETTE[-1]]


def _luminance(hex_colour: str) -> float:
    channels = [int(c, 16) / 255 for c in re.findall("..", hex_colour.lstrip("#"))]
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


@pytest.mark.parametrize("hex_colour", sorted(set(PALETTE) | set(SLA_COLOURS.values())))
def test_chart_colours_stand_out_from_the_white_page_by_at_least_three_to_one(hex_colour):
    assert (1.05) / (_luminance(hex_colour) + 0.05) >= 3.0
