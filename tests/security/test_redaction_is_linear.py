"""Finding 2 of the second probe: every redaction pattern runs in linear time.

Card redaction tried every window of digit groups (cubic: 800 groups of "1 " took 54 s) and a
bare-domain URL pattern rescanned a dotted run from every dot (3.5 s on 20,000 characters).
The budgets are generous bounds, not benchmarks: the fixed code takes well under a second on
every input here, the old code tens of seconds or more.
"""

from __future__ import annotations

import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analyzer.text.redact import redact_id, redact_patterns

LONGEST_CELL = 20_000  # MAX_COMMENT_CHARS: the longest comment or cell the limits allow
BUDGET_S = 3.0
# The characters the patterns are made of: digits and their separators, name characters of
# e-mails and domains, the signs of phones, URLs and references.
ALPHABET = "0123456789 -.+()@/:#aAbZx\n"


def _timed(text: str) -> float:
    start = time.perf_counter()
    redact_patterns(text)
    redact_id(text)
    return time.perf_counter() - start


def test_the_probes_card_input_is_redacted_within_the_budget() -> None:
    assert _timed(("1 " * LONGEST_CELL)[:LONGEST_CELL]) < BUDGET_S


def test_a_long_dotted_run_is_redacted_within_the_budget() -> None:
    for unit in ("a.", "ab.", "1-", "a@b.", "12."):
        assert _timed((unit * LONGEST_CELL)[:LONGEST_CELL]) < BUDGET_S, unit


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.large_base_example],
)
@given(st.text(alphabet=ALPHABET, min_size=1, max_size=12), st.text(alphabet=ALPHABET))
def test_any_repeated_pattern_of_20000_characters_is_redacted_within_the_budget(
    unit: str, prefix: str
) -> None:
    # Pathological inputs are repetitions: a short unit repeated to the longest cell.
    text = (prefix + unit * (LONGEST_CELL // len(unit) + 1))[:LONGEST_CELL]
    assert _timed(text) < BUDGET_S


def test_linear_card_search_still_finds_every_card_form() -> None:
    assert redact_patterns("card 4111 1111 1111 1111 thanks") == "card [CARD] thanks"
    assert redact_patterns("4111-1111-1111-1111") == "[CARD]"
    # The longest Luhn-valid window wins inside a longer run of groups.
    assert redact_patterns("1 4111 1111 1111 1111 2") == "1 [CARD] 2"
    assert redact_patterns("order 4111111111111111") == "order 4111111111111111"
    assert redact_patterns("see shop.example.co.uk/a?b=1.") == "see [URL]."
