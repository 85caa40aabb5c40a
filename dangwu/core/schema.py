"""The OpenAPI schema tells the truth (issue 12): every operation documents the error answers it
can give, so that clients and fuzzers (scripts/api_fuzz.py, run by .ci/run) can trust it.

`ErrorAnswersSchema` is the AutoSchema of the whole API (REST_FRAMEWORK's DEFAULT_SCHEMA_CLASS). To
what each view documents it adds, where they can happen:

- 400 (`ValidationError`): a body or query parameter refused — each key names the field (or
  `non_field_errors`, or `detail` for a body that is not JSON or a NUL in the query string), each
  value its messages in the caller's language; for every operation (core.middleware refuses a NUL
  in any query string, documented parameter or not);
- 401 (`Error`): no credentials, or a token unknown or expired; for every operation that
  authenticates;
- 403 (`Error`): the caller lacks the capability, the second factor, the CSRF token of a session,
  or (token login) a wrong password;
- 404 (`Error`): an id that does not exist or lies outside the caller's scope (the same answer, on
  purpose), or a page past the last;
- 429 (`Error`): the account is locked after failed logins (token login only);
- 414 (an HTML page of the server, not of Django): a request line longer than the web server
  takes (gunicorn's `--limit-request-line`, 4094 bytes; nginx's `large_client_header_buffers`), for
  every operation — a query string of many filter values reaches it.

It also documents the ids in paths (`{id}`, matched by `[0-9]+`) as the integers they are, not as
strings with a pattern: a client or a fuzzer then never takes `/members/search/` for `/members/{id}/`.
"""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent

ERROR = {
    "type": "object",
    "properties": {"detail": {"type": "string", "description": "the reason, in the caller's language"}},
    "required": ["detail"],
}
VALIDATION_ERROR = {
    "type": "object",
    "description": "Field name (or non_field_errors; detail for a body that is not JSON) → its messages. "
                   "A nested object or a list answers an object of the same shape, keyed by field or index.",
    "additionalProperties": {"oneOf": [{"type": "array", "items": {"type": "string"}},
                                       {"type": "object"}, {"type": "string"}]},
}

DESCRIPTIONS = {
    "400": "Bad input: nothing was written; each refused field is named with its messages.",
    "401": "Not authenticated: no credentials, or a token unknown or expired (Authorization: Token <key>).",
    "403": "Not allowed: the capability, the second factor or a session's CSRF token is missing.",
    "404": "Not found, or outside the caller's scope (the same answer on purpose); or a page past the last.",
    "429": "The account is locked for 30 minutes after 5 failed logins.",
}
URI_TOO_LONG = {"description": "URI too long: the request line exceeds the web server's limit (the server's own "
                               "HTML page, not JSON).",
                "content": {"text/html": {"schema": {"type": "string"}}}}


class ErrorAnswersSchema(AutoSchema):
    def _resolve_path_parameters(self, variables):
        parameters = super()._resolve_path_parameters(variables)
        for parameter in parameters:
            if parameter["schema"].get("pattern") in ("^[0-9]+$", "^\\d+$"):
                parameter["schema"] = {"type": "integer", "minimum": 0}
        return parameters

    def _component(self, name: str, schema: dict) -> dict:
        component = ResolvedComponent(name=name, type=ResolvedComponent.SCHEMA, object=name, schema=schema)
        self.registry.register_on_missing(component)
        return component.ref

    def _error_codes(self) -> list[str]:
        codes = ["400"]
        if self.view.get_authenticators():
            codes.append("401")
        codes.append("403")
        if "{" in self.path or self._is_paginated():
            codes.append("404")
        if getattr(self.view, "dangwu_access", {}).get("public") and self.method == "POST":
            codes.append("429")  # the token login: axes' lockout (core.views.lockout_response)
        return codes

    def _is_paginated(self) -> bool:
        return self._is_list_view() and self._get_paginator() is not None  # POST …/search/ answers pages too

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        for code in self._error_codes():
            if code not in responses:
                ref = self._component("ValidationError", VALIDATION_ERROR) if code == "400" else \
                    self._component("Error", ERROR)
                responses[code] = {"content": {"application/json": {"schema": ref}},
                                   "description": DESCRIPTIONS[code]}
        responses.setdefault("414", URI_TOO_LONG)
        return responses
