"""The demo reads every page of delivery's lists, following each `Link: <…>; rel="next"` (shared/demo/actuals.py)."""
from __future__ import annotations

import httpx

from shared.demo.actuals import every_page

PAGES = {None: ([{"record_id": "R3"}, {"record_id": "R2"}], "CURSOR1"), "CURSOR1": ([{"record_id": "R1"}], None)}


class _Stack:
    """Answers GET /visits/unallocated two pages at a time, as delivery does (the next link keeps the filters)."""

    def __init__(self) -> None:
        self.asked: list[dict] = []

    async def send(self, method, service, path, who, *, params=None, **_):
        self.asked.append(dict(params))
        items, following = PAGES[params.get("after")]
        headers = {}
        if following:
            url = httpx.URL(f"http://delivery{path}", params={**params, "after": following})
            headers["Link"] = f'<{url}>; rel="next"'
        return httpx.Response(200, json=items, headers=headers)


async def test_every_page_is_read_in_order_with_the_filters_kept():
    stack = _Stack()
    items = await every_page(stack, "/visits/unallocated", provider_id="PRV-1", status="all")
    assert [i["record_id"] for i in items] == ["R3", "R2", "R1"]
    assert stack.asked == [{"provider_id": "PRV-1", "status": "all", "limit": 500},
                           {"provider_id": "PRV-1", "status": "all", "limit": "500", "after": "CURSOR1"}]
