"""Years from catalogue dates (core/years.py): the one parser behind the year filter and the timeline."""
import pytest

from core.years import date_column, year_of, year_span


@pytest.mark.parametrize("text, span", [
    ("1890", (1890, 1890)), ("c. 1890", (1890, 1890)), ("ca 1890", (1890, 1890)), ("circa 1890", (1890, 1890)),
    ("1890?", (1890, 1890)), ("1890-1895", (1890, 1895)), ("1890–95", (1890, 1895)), ("1890 - 1895", (1890, 1895)),
    ("1890s", (1890, 1899)), ("1890/91", (1890, 1891)), ("March 1890", (1890, 1890)), ("1890-03-14", (1890, 1890)),
    ("14.3.1890", (1890, 1890)), (1905, (1905, 1905)),
])
def test_dates_museums_write_become_year_spans(text, span):
    assert year_span(text) == span


@pytest.mark.parametrize("text", ["", "undated", "19th century", "after 1890 copy of 1520", "1895-1890", "n.d.",
                                  None, True, 40000, "3000"])
def test_what_says_no_year_is_undated_never_guessed(text):
    assert year_span(text) is None


def test_timeline_year_is_the_first_of_the_span():
    assert year_of(year_span("1890-1895")) == 1890 and year_of(None) is None


def test_date_column_prefers_a_column_named_like_a_date():
    rows = [{"inventory": "1890", "date": "c. 1890"}, {"inventory": "1891", "date": "undated"},
            {"inventory": "1892", "date": "1890s"}]
    assert date_column(rows) == "date"
    assert date_column(rows, preferred="inventory") == "inventory"
    assert date_column(rows, preferred="missing") is None


def test_a_column_of_small_numbers_is_no_date_column():
    assert date_column([{"number": "12"}, {"number": "345"}]) is None
    assert date_column([{"made": "1890"}, {"made": "1891"}]) == "made"
