"""Reading an uploaded CSV: the request's body (text/csv) or its form field `file` (multipart), as text."""
from __future__ import annotations

from fastapi import Request

from services.payments.domain.errors import PaymentRefused


async def uploaded_text(request: Request, what: str) -> str:
    """The CSV `what` (e.g. "the bank's confirmation CSV") as UTF-8 text, a BOM dropped; 422 on `file` when
    a form has no such field or the bytes are not UTF-8."""
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        upload = (await request.form()).get("file")
        if upload is None or isinstance(upload, str):
            raise PaymentRefused("file", f"attach {what} as the form field 'file'")
        data = await upload.read()
    else:
        data = await request.body()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise PaymentRefused("file", f"{what} is not UTF-8 text: save it as CSV (UTF-8)") from None
