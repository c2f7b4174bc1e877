"""The dashboard in a real browser (Debian's headless Chromium): it signs in from a one-time link, draws its
charts as SVG, and shows the API's own figures. The screenshot is kept in test-artifacts/dashboard.png."""
from __future__ import annotations

import shutil
import struct
import subprocess
import uuid
from pathlib import Path
from typing import Any

import httpx
import lxml.html
import pytest

from shared.auth import mint_token
from shared.money import format_gbp
from shared.settings import REPO_ROOT, SERVICE_PORTS
from tests.conftest import SETTINGS, auth, unique

pytestmark = pytest.mark.stack

SCREENSHOT = REPO_ROOT / "test-artifacts" / "dashboard.png"
WINDOW = (1400, 3000)
# Without the background-networking flags Chromium keeps calling Google's hosts, refused on a closed network.
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
         "--virtual-time-budget=10000"]


def chromium(profiles: Path, *args: str, url: str) -> str:
    """Run Chromium once with a fresh profile (so no cookie is left from an earlier run); its stdout."""
    binary = shutil.which("chromium")
    assert binary, "chromium is missing: `make test` installs Debian's chromium (deploy/local/prereqs.sh --for-tests)"
    result = subprocess.run([binary, *FLAGS, f"--user-data-dir={profiles / uuid.uuid4().hex}", *args, url],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def sign_in_link(base: str) -> tuple[str, str]:
    """A short-lived ops token and the one-time link that signs a browser in with it."""
    token = mint_token(SETTINGS.auth_secret, subject=unique("browser-test"), role="ops", ttl_seconds=600)
    return token, f"{base}/?token={token}"


async def api_figures(http: httpx.AsyncClient, base: str) -> dict[str, Any]:
    """What the page shows, read from the API the way the page reads it and put as the page puts it
    (less consumer lag, which moves all the time)."""
    headers = auth("ops")
    get = lambda path, **params: http.get(f"{base}{path}", params=params, headers=headers)  # noqa: E731
    pipeline = (await get("/pipeline")).json()
    spend = (await get("/spend", group_by="service_type", period="month")).json()
    within_30 = (await get("/prompt-payment")).json()["overall"]["paid_within_30_days_pct"]
    return {"services": {s["service"]: (str(s["ready"]).lower(), f"{s['dlq_messages'] or 0:,}")
                         for s in pipeline["services"]},
            "spend_totals": {k: format_gbp(v) for k, v in spend["totals"].items()},
            "paid_by_service": sum(max(r["paid_pence"], 0) for r in spend["rows"]),
            "open_queries": (await get("/queries/open")).json()["open"],
            "missed": (await get("/visits/missed", days=14, limit=10)).json()["missed"],
            "within_30": "" if within_30 is None else str(within_30)}


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", data[16:24])


def page_figures(doc) -> dict[str, Any]:
    cards = doc.xpath('//section[@id="pipeline"]//li[@data-service]')
    spend_chart = doc.xpath('//section[@id="spend"]//svg[title="Paid by service type, by month"]')
    assert spend_chart, "the chart of spend by service type is missing"
    ring = doc.xpath('//section[@id="payments"]//svg[contains(@class, "ring")]/circle[@data-value]')
    return {"services": {c.get("data-service"): (c.get("data-ready"),
                                                 c.xpath('string(.//dd[@data-figure="dlq_messages"])'))
                         for c in cards},
            "spend_totals": {f"{m}_pence": doc.xpath(f'string(//dd[@data-figure="{m}_pence"])')
                             for m in ("committed", "delivered", "invoiced", "paid")},
            "paid_by_service": sum(int(r.get("data-value")) for r in spend_chart[0].xpath(".//rect[@data-value]")),
            "open_queries": leading_number(doc.xpath('string(//p[@data-figure="open"])')),
            "missed": leading_number(doc.xpath('string(//p[@data-figure="missed"])')),
            "within_30": ring[0].get("data-value") if ring else None}


def leading_number(text: str) -> int | None:
    """73 from '73 open queries: ...'."""
    first = text.split(" ", 1)[0].replace(",", "")
    return int(first) if first.isdigit() else None


async def test_dashboard_in_a_browser_draws_the_apis_figures_as_charts(http, stack, tmp_path):
    base = stack["reporting"]
    token, link = sign_in_link(base)
    SCREENSHOT.parent.mkdir(exist_ok=True)
    SCREENSHOT.unlink(missing_ok=True)
    chromium(tmp_path, f"--window-size={WINDOW[0]},{WINDOW[1]}", f"--screenshot={SCREENSHOT}", url=link)
    assert png_size(SCREENSHOT) == WINDOW
    assert SCREENSHOT.stat().st_size > 100_000, "the screenshot is nearly empty: did the page render?"

    # The figures move while other work runs on the stack: a figure the API gave alike just before and just
    # after the page was read must be on the page as the API gave it; one that moved meanwhile is not checked.
    for _ in range(5):
        before = await api_figures(http, base)
        doc = lxml.html.fromstring(chromium(tmp_path, "--dump-dom", url=sign_in_link(base)[1]))
        after = await api_figures(http, base)
        steady = {k for k in before if before[k] == after[k]}
        if steady == set(before):
            break
    assert steady, "every figure moved while the page was read, five times over: is the stack still loading?"

    assert doc.xpath("string(//head/title)") == "Carepay dashboard", "the one-time link did not sign the browser in"
    for section in ("pipeline", "missed", "queries", "spend", "payments"):
        charts = doc.xpath(f'//section[@id="{section}"]//svg[contains(@class, "chart")][@role="img"]')
        assert charts, f"section {section} has no chart"
        assert all(c.xpath("string(./title)") for c in charts), f"a chart in {section} has no title"
        assert not doc.xpath(f'//section[@id="{section}"]//*[@class="problem"]'), \
            doc.xpath(f'string(//section[@id="{section}"]//*[@class="problem"])')

    shown = page_figures(doc)
    assert set(shown["services"]) == set(SERVICE_PORTS)
    for figure in sorted(steady):
        assert shown[figure] == before[figure], \
            f"the page shows {figure} as {shown[figure]!r}, the API {before[figure]!r}"

    log = REPO_ROOT / ".local" / "logs" / "reporting.log"
    assert log.exists(), "the local stack writes the reporting service's log here"
    assert token not in log.read_text(errors="replace"), "the sign-in link's token was written to the log"
