"""``yuliao serve`` in a real headless Chromium: what a person sees and clicks.

The server runs as the command does (a subprocess on a loopback port, over a crawl of the
example site). A failing test leaves ``failure.png`` and ``failure.html`` in its temp folder.
"""

from __future__ import annotations

from typing import Any

import pytest
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from tests.web_fixtures import Served

XSS = "<script>alert(1)</script>"


def wait_for(browser: Any, css: str) -> list[Any]:
    """The elements matching ``css``, once there is at least one (10 s at most)."""
    WebDriverWait(browser, 10).until(ec.presence_of_element_located((By.CSS_SELECTOR, css)))
    return list(browser.find_elements(By.CSS_SELECTOR, css))


def search(browser: Any, served: Served, query: str) -> None:
    """Type ``query`` into the search box of the home page and press Enter."""
    browser.get(served.url("/"))
    box = browser.find_element(By.NAME, "q")
    box.clear()
    box.send_keys(query, Keys.ENTER)
    wait_for(browser, "p.summary")


def test_search_open_document_then_kwic(browser: Any, served: Served) -> None:
    search(browser, served, "语言")
    first = wait_for(browser, "li.hit")[0]
    assert first.find_element(By.CSS_SELECTOR, ".url").text.endswith("/zh/nlp.html")
    assert first.find_element(By.CSS_SELECTOR, "mark").text == "语言"
    assert "q=%E8%AF%AD%E8%A8%80" in browser.current_url  # the query is in the address

    first.find_element(By.CSS_SELECTOR, "a.title").click()
    assert wait_for(browser, "h1")[0].text == "自然语言处理入门"
    token = browser.find_element(By.CSS_SELECTOR, ".text .t.word")
    assert token.value_of_css_property("box-shadow") == "none"
    browser.find_element(By.ID, "show-tokens").click()
    assert token.value_of_css_property("box-shadow") != "none"

    browser.back()
    browser.find_element(By.PARTIAL_LINK_TEXT, "concordance of").click()
    words = [cell.text for cell in wait_for(browser, "table.kwic td.word")]
    assert len(words) > 3
    assert set(words) == {"语言"}
    browser.find_element(By.CSS_SELECTOR, 'a.sort[data-sort="right"]').click()
    WebDriverWait(browser, 10).until(ec.url_contains("sort=right"))
    assert len(wait_for(browser, "table.kwic td.word")) == len(words)
    assert browser.find_element(By.CSS_SELECTOR, ".sort-current").text == "right context"


def test_frequency_chart_has_bars(browser: Any, served: Served) -> None:
    browser.get(served.url("/freq?lang=zh"))
    bars = wait_for(browser, "figure.chart svg rect")
    assert len(bars) == 30
    widths = [bar.size["width"] for bar in bars]
    assert widths[0] == max(widths)
    assert min(widths) > 0
    assert len(browser.find_elements(By.CSS_SELECTOR, "table.freq tbody tr")) == 50


def test_overview_draws_time_charts_and_bar_charts(browser: Any, served: Served) -> None:
    browser.get(served.url("/overview"))
    charts = wait_for(browser, "figure.chart svg")
    assert len(charts) == 5
    assert all(chart.find_elements(By.TAG_NAME, "rect") for chart in charts)
    documents = browser.find_element(By.CSS_SELECTOR, "figure.timeline")
    assert documents.find_element(By.TAG_NAME, "figcaption").text.startswith(
        "Documents by month published"
    )
    bars = documents.find_elements(By.CSS_SELECTOR, "svg g.column rect")
    assert len(bars) > 6
    assert min(bar.size["height"] for bar in bars) > 0
    colours = {bar.value_of_css_property("fill") for bar in bars}
    assert len(colours) == 2  # Chinese and English, stacked

    browser.find_element(By.CSS_SELECTOR, 'a.basis[data-by="fetched"]').click()
    WebDriverWait(browser, 10).until(ec.url_contains("by=fetched"))
    caption = wait_for(browser, "figure.timeline figcaption")[0]
    assert caption.text.startswith("Documents by month fetched")
    row = browser.find_element(By.CSS_SELECTOR, "table.crawls tbody tr")
    assert row.find_element(By.CSS_SELECTOR, ".status").text == "finished"


def test_script_query_renders_as_text(browser: Any, served: Served) -> None:
    search(browser, served, XSS)
    with pytest.raises(NoAlertPresentException):
        browser.switch_to.alert.text  # noqa: B018
    assert browser.find_element(By.CSS_SELECTOR, "p.summary q").text == XSS
    assert browser.find_element(By.NAME, "q").get_attribute("value") == XSS
    assert browser.execute_script("return document.scripts.length") == 0
