"""Finding 3 of the second probe: an id column is an identifier, not free text.

18-digit tweet ids that passed the Luhn check were stored as ``[CARD]-<hash>``, and the user
could no longer join 10% of the rows back to their records. Only what is unambiguous in an id
is redacted: an e-mail address, a URL, a phone number written as one.
"""

from __future__ import annotations

import random
from pathlib import Path

import pandas as pd

from analyzer.ingest import ColumnMapping, read_export
from analyzer.text.redact import redact_patterns


def _read(tmp_path: Path, ids: list[str], texts: list[str] | None = None) -> pd.DataFrame:
    texts = texts or ["The delivery was quick"] * len(ids)
    export = tmp_path / "ids.csv"
    pd.DataFrame({"respondent": ids, "comment": texts}).to_csv(export, index=False)
    mapping = ColumnMapping(text="comment", id="respondent")
    return read_export(export, mapping).responses


def test_ten_thousand_random_long_numeric_ids_come_back_unchanged(tmp_path: Path) -> None:
    rng = random.Random(0)
    ids = list(
        dict.fromkeys(
            str(rng.randint(1, 9)) + "".join(rng.choices("0123456789", k=rng.randint(15, 18)))
            for _ in range(10_000)
        )
    )
    assert len(ids) == 10_000
    # About a tenth pass the card checksum: the ones that were lost before.
    assert sum(redact_patterns(i) == "[CARD]" for i in ids) > 500
    got = _read(tmp_path, ids)["response_id"].tolist()
    assert got == ids


def test_dashed_and_prefixed_order_numbers_are_kept(tmp_path: Path) -> None:
    ids = ["ORD-2024-0001-3345", "415-555-0100", "4111 1111 1111 1111", "T#123456789012"]
    assert _read(tmp_path, ids)["response_id"].tolist() == ids


def test_emails_and_phones_written_as_phones_are_still_redacted(tmp_path: Path) -> None:
    ids = ["ann.smith@example.com", "+1 415 555 0100", "(415) 555-0100", "https://x.example/u/1"]
    got = _read(tmp_path, ids)["response_id"].tolist()
    assert [g.split("-")[0] for g in got] == ["[EMAIL]", "[PHONE]", "[PHONE]", "[URL]"]
    assert len(set(got)) == 4
    assert not any(part in " ".join(got) for part in ("ann.smith", "415", "x.example"))


def test_a_card_number_inside_a_comment_is_still_redacted(tmp_path: Path) -> None:
    comment = "my card 4111 1111 1111 1111 was charged"
    responses = _read(tmp_path, ["4111111111111111"], [comment])
    assert responses["response_id"].tolist() == ["4111111111111111"]
    assert redact_patterns(comment) == "my card [CARD] was charged"  # the text stage's rule
