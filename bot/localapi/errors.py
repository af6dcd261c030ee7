"""Error answers of the Bot API (``{"ok": false, "error_code": ..., "description": ...}``)."""

from __future__ import annotations

from typing import Any

__all__ = ["APIError", "bad"]


class APIError(Exception):
    """An error answer of the Bot API (``ok: false``)."""

    def __init__(self, error_code: int, description: str, parameters: dict | None = None) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.parameters = parameters

    def payload(self) -> dict[str, Any]:
        """The JSON body Telegram answers with."""
        out: dict[str, Any] = {"ok": False, "error_code": self.error_code, "description": self.description}
        if self.parameters:
            out["parameters"] = self.parameters
        return out


def bad(description: str, parameters: dict | None = None) -> APIError:
    """A 400 answer with Telegram's "Bad Request: " prefix."""
    return APIError(400, "Bad Request: " + description, parameters)
