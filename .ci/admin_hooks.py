"""Schemathesis hooks for the admin API's run (.ci/conformance.py): what its OpenAPI document
cannot say, taught to the generator instead of excluding a check.

OpenAPI (JSON Schema) cannot compare two fields, so a random delay's `min_ms` <= `max_ms` is in
the document's words only; without this filter, schemathesis would take a rule with
`min_ms` > `max_ms` for a valid one and count its 400 as a failure of positive_data_acceptance.
"""

import schemathesis


@schemathesis.hook("filter_body").apply_to(method="POST", path="/faults")
def random_delays_run_from_low_to_high(context, body):
    effect = body.get("effect") if isinstance(body, dict) else None
    if not isinstance(effect, dict):
        return True
    low, high = effect.get("min_ms"), effect.get("max_ms")
    numbers = (int, float)
    if isinstance(low, numbers) and isinstance(high, numbers) and not isinstance(low, bool):
        return low <= high
    return True
