"""Readers of provider files: each yields `(row, raw dict)` or a `Reject`, streaming.

The raw dicts have the field names of `AttendanceRecord` and string values, so one validator
(`services.delivery.domain.validation`) serves CSV, XML, the HTTP batch and Kafka alike.
"""
