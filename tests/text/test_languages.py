"""Language detection and the per-language splitting rules (no model beyond py3langid)."""

from __future__ import annotations

import pytest

from analyzer.text import TextProcessor
from analyzer.text.languages import (
    SUPPORTED,
    UNKNOWN,
    detect,
    mention_languages,
    split_mentions,
    with_language_segment,
)


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("La aplicación se cierra sola desde la última actualización.", "es"),
        ("Die App stürzt seit dem letzten Update ständig ab.", "de"),
        ("L'application plante sans arrêt depuis la dernière mise à jour.", "fr"),
        ("L'app si chiude da sola dopo l'ultimo aggiornamento.", "it"),
        ("The app keeps crashing since the last update.", "en"),
    ],
)
def test_detects_whole_sentences(text: str, language: str) -> None:
    assert detect(text) == language


@pytest.mark.parametrize(
    "text", ["", "ok", "Great app", "Muy bien", "Danke!", "10/10 👍", "[EMAIL]"]
)
def test_short_comments_are_unknown(text: str) -> None:
    assert detect(text) == UNKNOWN


def test_mixed_comment_is_unknown_but_its_sentences_are_not() -> None:
    comment = (
        "The app keeps crashing since the update. "
        "La aplicación se cierra sola desde la última actualización."
    )
    assert detect(comment) == UNKNOWN
    sentences = ["The app keeps crashing since the update", comment.split(". ")[1]]
    assert mention_languages(sentences, detect(comment)) == ["en", "es"]


def test_mentions_inherit_a_known_comment_language() -> None:
    assert mention_languages(["muy caro", "El paquete llegó roto y tarde"], "es") == ["es", "es"]
    assert mention_languages(["muy caro", "El paquete llegó roto y tarde"], UNKNOWN) == [
        UNKNOWN,
        "es",
    ]


def test_detection_answers_only_supported_codes() -> None:
    texts = ["Dit is een heel goede winkel met snelle levering", "Bardzo dobra obsługa klienta"]
    assert {detect(t) for t in texts} <= {*SUPPORTED, UNKNOWN}


@pytest.mark.parametrize(
    ("language", "comment", "expected"),
    [
        (
            "es",
            "El envío fue rápido pero el paquete llegó roto",
            ["El envío fue rápido", "el paquete llegó roto"],
        ),
        (
            "de",
            "Die Lieferung war schnell, aber die App stürzt ab.",
            ["Die Lieferung war schnell", "die App stürzt ab"],
        ),
        (
            "fr",
            "Livraison rapide mais le colis était abîmé",
            ["Livraison rapide", "le colis était abîmé"],
        ),
        ("it", "Consegna veloce ma il pacco era rotto", ["Consegna veloce", "il pacco era rotto"]),
        (
            "pt",
            "Entrega rápida mas a caixa chegou amassada",
            ["Entrega rápida", "a caixa chegou amassada"],
        ),
        ("es", "Pero bueno. Todo bien", ["Pero bueno", "Todo bien"]),
    ],
)
def test_contrast_words_split_clauses(language: str, comment: str, expected: list[str]) -> None:
    assert split_mentions(comment, language) == expected


def test_one_word_side_is_not_cut() -> None:
    assert split_mentions("Bien pero caro", "es") == ["Bien pero caro"]


def test_processor_redacts_and_splits_other_languages() -> None:
    comment = (
        "El envío fue rápido pero el paquete llegó roto. "
        "Escríbanme a juan.perez@example.com o al +34 612 345 678."
    )
    [out] = TextProcessor(model="blank").process([comment])
    assert out.language == "es"
    assert "juan.perez" not in out.redacted and "612" not in out.redacted
    assert out.mentions[:2] == ["El envío fue rápido", "el paquete llegó roto"]
    assert "[EMAIL]" in out.mentions[2] and "[PHONE]" in out.mentions[2]


def test_language_segment_is_added_once() -> None:
    assert with_language_segment(["channel"]) == ["channel", "language"]
    assert with_language_segment(["language", "plan"]) == ["language", "plan"]
