"""The scoring module mirrors the models' vocabularies (it imports nothing from the package):
these tests keep the copies equal to the originals."""

from pathlib import Path

from diaspora.matching import scoring
from diaspora.opportunities.models import Modality as OpportunityModality
from diaspora.opportunities.models import OpportunityKind
from diaspora.registry import models as registry


def test_visibilities_are_the_registrys():
    assert {v.value for v in registry.Visibility} == scoring.VISIBILITIES
    assert scoring.PRIVATE == registry.Visibility.PRIVATE


def test_profile_modalities_are_the_registrys():
    assert {m.value for m in registry.Modality} == scoring.PROFILE_MODALITIES


def test_opportunity_modalities_and_kinds_are_the_opportunities():
    assert {m.value for m in OpportunityModality} == scoring.NEED_MODALITIES
    assert {k.value for k in OpportunityKind} == scoring.KINDS


def test_tie_kinds_are_the_registrys():
    assert {t.value for t in registry.TieKind} == set(scoring.TIE_KINDS)
    assert set(scoring.TIE_CREDIT) == set(scoring.TIE_KINDS)


def test_levels_and_their_labels_are_the_registrys():
    assert scoring.PROFICIENCY_LABELS == registry.PROFICIENCY_LABELS
    assert scoring.SKILL_LEVEL_LABELS == registry.SKILL_LEVEL_LABELS
    assert set(scoring.LEVELS) == set(registry.PROFICIENCY_LABELS)


def test_the_weights_add_up_to_100_and_every_modality_pair_is_scored():
    assert sum(scoring.WEIGHTS.values()) == 100
    assert all(weight > 0 for weight in scoring.WEIGHTS.values())
    reachable = {
        (need, person)
        for need in scoring.NEED_MODALITIES
        for person in scoring.PROFILE_MODALITIES
        if not (need != scoring.REMOTE and person == scoring.REMOTE)
    }
    assert set(scoring.MODALITY_CREDIT) == reachable


def test_the_module_stays_pure():
    source = Path(scoring.__file__).read_text(encoding="utf-8")
    imports = [line for line in source.splitlines() if line.startswith(("import ", "from "))]
    assert imports == [
        "from collections.abc import Callable, Mapping, Sequence",
        "from dataclasses import dataclass, field",
        "from datetime import date",
        "import numpy as np",
        # Only marks its sentences for the catalogues: plain Python, no Flask, no database.
        "from diaspora.core.words import N_, Words",
    ]
