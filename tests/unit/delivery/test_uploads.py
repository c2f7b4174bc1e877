"""Reading an uploaded file's rows around a file-level error or a resume (api/uploads.py); receiving it is
shared.uploads' (tests/unit/foundation), the route's forms tests/db/delivery/test_visit_file_forms.py."""
from __future__ import annotations

import io

from services.delivery.api.uploads import after_row, until_file_error
from services.delivery.domain.parsing.xml_feed import open_service_delivery_file
from services.delivery.domain.rejects import FeedFileError, reject


def test_rows_read_before_a_file_level_error_are_kept_and_the_error_is_reported():
    text = (b'<ServiceDeliveryFile reference="R" provider="1-1"><ProviderContract reference="A">'
            b'<ServiceWeek serviceUser="SU" weekEnding="2024-03-10">'
            b'<Visit id="V" plannedStart="2024-03-04T09:00" plannedEnd="2024-03-04T09:30">'
            b'<Carer id="C" method="app"/></Visit><Visit id="W"')  # cut off mid-file
    errors: list[FeedFileError] = []
    rows = list(until_file_error(open_service_delivery_file(io.BytesIO(text)).rows(), errors))
    assert [row for row, _ in rows] == [1]
    assert [e.reason for e in errors] == ["xml_malformed"]


def test_a_resumed_upload_skips_the_rows_already_committed():
    items = [(2, {"a": "1"}), reject(3, None, "row_unparseable", "bad"), (4, {"a": "2"}), (5, {"a": "3"})]
    kept = list(after_row(iter(items), done=3))
    assert [item[0] for item in kept] == [4, 5]
