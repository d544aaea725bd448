"""Schemathesis hooks for tests/schemathesis/run.sh (loaded through SCHEMATHESIS_HOOKS).

1. The fuzzer must not end its own session half-way through a pass. Schemathesis reuses ids it
   has seen in responses (extra data sources, stateful links), so in the admin pass it finds the
   admin's own id in `GET /users` and, sooner or later, sends `PATCH /users/{own id}` with
   `disabled: true` or another `role`. The server re-reads the account on every request, so every
   later request of the pass would answer 401 or 403 and test nothing. Such a request is sent to
   an id that does not exist instead (the server answers 404, which is still checked). Every
   other user, and every other operation, is fuzzed as generated.
2. A serializer for the one request media type Schemathesis does not know (below).
"""

import os
import re

import schemathesis


def _hex(value):
    # The server parses ids with the uuid crate, which also takes upper case, braces, `urn:uuid:`
    # and the 32-digit form: compare the hex digits only.
    return re.sub(r"[^0-9a-f]", "", str(value).lower())


SELF_ID = _hex(os.environ.get("FUZZ_API_SELF_ID", ""))
UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"


@schemathesis.hook
def before_call(context, case, kwargs):
    if not SELF_ID or case.method.upper() != "PATCH" or case.path != "/users/{id}":
        return
    params = case.path_parameters or {}
    if _hex(params.get("id", "")) == SELF_ID:
        params["id"] = UNKNOWN_ID


# `PATCH /photos/{id}/content` (a resumable upload's next chunk) takes raw bytes as
# `application/offset+octet-stream`, for which Schemathesis has no serializer of its own; without
# one the operation is never tested. The bytes are sent as they are, like `application/octet-stream`.
schemathesis.serializer.alias("application/offset+octet-stream", "application/octet-stream")
