"""Schemathesis hooks for SmartSave (loaded through SCHEMATHESIS_HOOKS=smartsave_hooks).

- Strategies for the custom scalars, in their wire format, so every operation can be generated.
- A check that every response is a JSON object whose every error carries `extensions.code`,
  and that no error is INTERNAL_SERVER_ERROR and no status is 5xx: an unexpected input must
  be a coded client error, never a crash or a code-less error.
"""

import json

import schemathesis
from hypothesis import strategies as st
from schemathesis.graphql import nodes

# Decimal: a string with at most two decimals, in and out of the accepted range, and sometimes
# malformed (the server must answer BAD_USER_INPUT, not fail).
decimal = st.one_of(
    st.decimals(min_value=-99999999999, max_value=99999999999, places=2, allow_nan=False).map(str),
    st.sampled_from(["0", "0.001", "1e5", "12,50", "NaN", "-0.00", "9999999999.99"]),
)
schemathesis.graphql.scalar("Decimal", decimal.map(nodes.String))
schemathesis.graphql.scalar(
    "Date",
    st.one_of(st.dates().map(lambda d: d.isoformat()), st.sampled_from(["2026-02-30", "21/11/2026", ""])).map(
        nodes.String
    ),
)
schemathesis.graphql.scalar(
    "DateTime",
    st.datetimes().map(lambda t: t.isoformat() + "Z").map(nodes.String),
)
schemathesis.graphql.scalar("JSON", st.just("{}").map(nodes.String))


@schemathesis.check
def coded_errors(ctx, response, case):
    """No 5xx, a JSON object body, and every error with an `extensions.code` that is not
    INTERNAL_SERVER_ERROR."""
    if response.status_code >= 500:
        raise AssertionError(f"HTTP {response.status_code}")
    try:
        body = json.loads(response.content)
    except ValueError as error:
        raise AssertionError(f"the body is not JSON: {error}") from None
    if not isinstance(body, dict):
        raise AssertionError("the body is not a JSON object")
    for error in body.get("errors") or []:
        code = (error.get("extensions") or {}).get("code")
        if not isinstance(code, str) or not code:
            raise AssertionError(f"an error without extensions.code: {error}")
        if code == "INTERNAL_SERVER_ERROR":
            raise AssertionError(f"an internal error: {error}")
