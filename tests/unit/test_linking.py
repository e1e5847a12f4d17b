"""Name matching: variants that are the same company score 1.0; others are suggested with a reason."""

from __future__ import annotations

import pytest

from reconcile.linking import AMBIGUOUS_SCORE, match, normalise


@pytest.mark.parametrize("variant", ["Acme Corp", "ACME Corporation", "Acme Corp.", "Acme, Inc.", "acme  co", "Acme LLC"])
def test_legal_suffixes_case_and_punctuation_do_not_count(variant):
    assert normalise(variant) == "acme"


@pytest.mark.parametrize(("name", "normalised"), [
    ("Smith & Sons Ltd", "smith and sons"),
    ("Smith and Sons Limited", "smith and sons"),
    ("O'Brien Dental, P.L.C.", "o brien dental p l c"),
    ("Café Müller GmbH", "café müller"),
    ("Corp", "corp"),  # a name made only of a suffix keeps it
])
def test_normalisation_keeps_what_identifies_a_company(name, normalised):
    assert normalise(name) == normalised


CLIENTS = {1: "Acme Corporation", 2: "Bluebird Logistics", 3: "Cedar Dental Partners"}


def test_an_exact_variant_scores_one_with_a_reason():
    assert match("ACME Corp.", CLIENTS) == (1, 1.0, "same name once case, punctuation and legal suffixes are ignored")


def test_a_loose_variant_is_suggested_below_auto_approval():
    client_id, score, reason = match("Bluebird Log. - Denver", CLIENTS)
    assert client_id == 2 and 0.6 <= score < 0.95 and reason.startswith("similar names")


def test_no_suggestion_when_nothing_is_close():
    assert match("MSP Internal Lab", CLIENTS)[0] is None


def test_two_clients_with_the_same_name_are_never_auto_approvable():
    client_id, score, reason = match("Acme", CLIENTS | {4: "ACME Inc"})
    assert score == AMBIGUOUS_SCORE < 0.95 and "ambiguous" in reason
