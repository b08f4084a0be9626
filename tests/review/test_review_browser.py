"""The review app in a real headless Chromium (Selenium + Debian's chromium-driver): open the demo
dataset, filter to comparison reasoning, see three images and the response, mark a record bad,
find the mark in review/marks.jsonl. Skips, naming what is missing, where no browser is installed.

A screenshot of the comparison view is saved under $IQA_TEST_ARTIFACTS (default
``test-artifacts/`` in the checkout); the test prints where.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ARTIFACTS = Path(os.environ.get("IQA_TEST_ARTIFACTS",
                                Path(__file__).resolve().parents[2] / "test-artifacts"))
BROWSERS = ("chromium", "chromium-browser", "google-chrome")
BROWSER = next((shutil.which(b) for b in BROWSERS if shutil.which(b)), None)
DRIVER = shutil.which("chromedriver")


def _missing() -> str:
    """Why the browser test cannot run here ('' when it can)."""
    if importlib.util.find_spec("selenium") is None:
        return "selenium is not installed (pip install -e '.[test]')"
    if BROWSER is None or DRIVER is None:
        return ("no headless browser: install Debian's chromium and chromium-driver "
                f"(found browser={BROWSER}, chromedriver={DRIVER})")
    return ""


pytestmark = [pytest.mark.slow, pytest.mark.skipif(bool(_missing()), reason=_missing())]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def demo(tmp_path_factory, prefect_server) -> Path:
    """The README's demo dataset (`iqa-datagen build`, default config) without its assistant
    step: the records are the demo's, but no model trains for minutes on a busy CI machine."""
    from iqa_datagen.cli import main

    out = tmp_path_factory.mktemp("demo") / "ds"
    assert main(["build", "--out", str(out), "--no-progress", "--assistant.enabled", "false"]) == 0
    return out


@pytest.fixture()
def app_url(demo):
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "iqa_datagen.cli", "browse", str(demo),
                             "--port", str(port)], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if proc.poll() is not None:
                pytest.fail(f"browse exited: {proc.stdout.read().decode()}")
            time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail("browse did not start listening within 60 s")
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture()
def driver():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = BROWSER
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1400,1600"):
        options.add_argument(arg)
    d = webdriver.Chrome(options=options, service=Service(DRIVER))
    d.set_page_load_timeout(60)
    yield d
    d.quit()


def test_filter_view_and_mark_in_a_real_browser(demo, app_url, driver):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.select import Select
    from selenium.webdriver.support.ui import WebDriverWait

    import pyarrow.parquet as pq

    wait = WebDriverWait(driver, 30)
    driver.get(app_url + "/")
    assert driver.find_elements(By.CSS_SELECTOR, "article.card")  # the unfiltered first page
    Select(driver.find_element(By.ID, "f-task")).select_by_value("comparison_reasoning")
    Select(driver.find_element(By.ID, "f-setting")).select_by_value("full_reference")
    driver.find_element(By.ID, "apply").click()
    wait.until(ec.url_contains("task=comparison_reasoning"))

    cards = driver.find_elements(By.CSS_SELECTOR, "article.card")
    assert cards and all("comparison_reasoning" in c.find_element(By.CSS_SELECTOR, ".task").text
                         for c in cards)
    card = cards[0]
    images = card.find_elements(By.CSS_SELECTOR, "img.record-image")
    assert [i.get_attribute("alt") for i in images] == ["Reference", "Image A", "Image B"]
    wait.until(lambda d: all(d.execute_script(
        "return arguments[0].complete && arguments[0].naturalWidth > 0", i) for i in images))
    rendered = [driver.execute_script("return [arguments[0].naturalWidth, "
                                      "arguments[0].getBoundingClientRect().width]", i)
                for i in images]
    assert all(natural >= 64 and shown == pytest.approx(natural, abs=2)
               for natural, shown in rendered), rendered  # native size at zoom 1
    wait.until(lambda d: d.find_element(By.ID, "count").text.isdigit())

    record_id = card.get_attribute("data-id")
    rows = [r for f in sorted((demo / "data").rglob("*.parquet"))
            for r in pq.read_table(f, columns=["id", "response"]).to_pylist()]
    response = next(r["response"] for r in rows if r["id"] == record_id)
    shown = card.find_element(By.CSS_SELECTOR, ".response")
    assert shown.is_displayed() and shown.text.split() == response.split()

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "review-comparison.png"
    driver.save_screenshot(str(shot))
    print(f"\nscreenshot of the comparison view: {shot}")

    card.find_element(By.NAME, "reason").send_keys("verdict contradicts the labels")
    card.find_element(By.CSS_SELECTOR, "button.bad").click()
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, f"#r-{record_id} .badge.bad")))
    assert "task=comparison_reasoning" in driver.current_url  # back on the same filter
    badge = driver.find_element(By.CSS_SELECTOR, f"#r-{record_id} .badge.bad").text
    assert "verdict contradicts the labels" in badge

    lines = (demo / "review" / "marks.jsonl").read_text().splitlines()
    mark = json.loads(lines[-1])
    assert mark["id"] == record_id and mark["mark"] == "bad"
    assert mark["reason"] == "verdict contradicts the labels" and mark["time"]
