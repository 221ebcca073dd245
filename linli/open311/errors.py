"""The errors an Open311 client receives, as GeoReport v2 shapes them: an HTTP status and one or more
(code, description) pairs.

Descriptions are English and not translated: they are a machine format that client programs match on."""

from __future__ import annotations


class Open311Error(Exception):
    def __init__(self, status: int, description: str, *, headers: dict[str, str] | None = None) -> None:
        self.status = status
        self.description = description
        self.headers = headers or {}
        super().__init__(f"{status} {description}")


def bad_request(description: str) -> Open311Error:
    return Open311Error(400, description)


def not_found(description: str) -> Open311Error:
    return Open311Error(404, description)


def forbidden(description: str) -> Open311Error:
    return Open311Error(403, description)
