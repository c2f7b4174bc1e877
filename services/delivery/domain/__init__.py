"""Delivery's pure rules and state: attendance records and their validation, feed files, planned visits and
matching, visit rules, rates, verification, the in-memory agreement book, sorting, missed visits, periods."""
