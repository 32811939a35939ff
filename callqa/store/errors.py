"""What a store operation can refuse; the web maps them to 404, 403 and 409."""

from __future__ import annotations


class StoreError(Exception):
    """Base class: an operation the store refused, with a message a user can read."""


class NotFound(StoreError):
    """No such record, or one the user may not see (the two are not told apart)."""


class Forbidden(StoreError):
    """The user may see the record but not do this to it."""


class Conflict(StoreError):
    """The record's state does not allow this (e.g. a final ruling)."""


class Invalid(StoreError):
    """Bad input: an unknown role, a missing field …"""
