"""Directory search as a service: each filter, ordering, paging, privacy and the export audit."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from diaspora.audit.models import AuditEvent
from diaspora.core.time import utcnow
from diaspora.credentials.models import Credential
from diaspora.directory import services
from diaspora.directory.services import Access, Filters
from diaspora.registry.models import AvailabilityWindow
from tests.directory.conftest import VIEWERS

COORDINATOR = Access(frozenset({"coordinators", "verified_organisations"}), True, False)


def names(db, filters: Filters | None = None, access: Access = COORDINATOR, **kwargs) -> list[str]:
    page = services.search(db.session, access, filters or Filters(), **kwargs)
    assert page.total >= len(page.items)
    return [result.profile.user.display_name for result in page.items]


def test_only_completed_profiles_are_listed(db, person):
    person("Complete")
    person("Unfinished").completed_at = None
    db.session.commit()
    assert names(db) == ["Complete"]


def test_a_disabled_account_is_not_listed(db, person):
    person("Active")
    disabled = person("Disabled")
    disabled.user.active = False
    db.session.commit()
    assert names(db) == ["Active"]
    assert services.search(db.session, COORDINATOR, Filters()).total == 1


def test_profession_and_grade(db, person):
    person("Doctor", profession="doctor", grade="consultant")
    person("Registrar", profession="doctor", grade="specialty_registrar")
    person("Midwife", profession="midwife", grade="afc_6")
    assert sorted(names(db, Filters(profession="doctor"))) == ["Doctor", "Registrar"]
    assert names(db, Filters(profession="doctor", grade="consultant")) == ["Doctor"]
    assert names(db, Filters(grade="afc_6")) == ["Midwife"]


def test_country_tie_and_its_kind(db, person):
    person("Born in Ghana", ties=(("GH", "born"),))
    person("Trained in Ghana", ties=(("GH", "trained"), ("NG", "worked")))
    person("Nigeria", ties=(("NG", "heritage"),))
    assert sorted(names(db, Filters(country="GH"))) == ["Born in Ghana", "Trained in Ghana"]
    assert names(db, Filters(country="GH", tie_kind="trained")) == ["Trained in Ghana"]
    assert names(db, Filters(country="NG", tie_kind="born")) == []
    assert sorted(names(db, Filters(tie_kind="heritage"))) == ["Nigeria"]


def test_language_with_a_minimum_proficiency(db, person):
    person("Native", languages=(("ben", 4),))
    person("Professional", languages=(("ben", 2), ("eng", 4)))
    person("Basic", languages=(("ben", 1),))
    person("English only", languages=(("eng", 4),))
    assert sorted(names(db, Filters(language="ben"))) == ["Basic", "Native", "Professional"]
    assert sorted(names(db, Filters(language="ben", min_proficiency=2))) == [
        "Native",
        "Professional",
    ]
    assert names(db, Filters(language="ben", min_proficiency=4)) == ["Native"]


def test_skill_with_a_minimum_level(db, person):
    person("Teacher", skills=(("simulation", 4),))
    person("Practitioner", skills=(("simulation", 2), ("leadership", 4)))
    person("Other", skills=(("leadership", 1),))
    assert sorted(names(db, Filters(skill="simulation"))) == ["Practitioner", "Teacher"]
    assert names(db, Filters(skill="simulation", min_level=3)) == ["Teacher"]


def test_remote_or_on_site_includes_people_who_offer_both(db, person):
    person("Remote", modality="remote")
    person("On site", modality="on_site")
    person("Both", modality="both")
    person("Not said")
    assert sorted(names(db, Filters(modality="remote"))) == ["Both", "Remote"]
    assert sorted(names(db, Filters(modality="on_site"))) == ["Both", "On site"]
    assert len(names(db)) == 4


def test_minimum_hours_a_month(db, person):
    person("Four", hours_per_month=4)
    person("Twelve", hours_per_month=12)
    person("Not said")
    assert names(db, Filters(min_hours=8)) == ["Twelve"]
    assert sorted(names(db, Filters(min_hours=4))) == ["Four", "Twelve"]


def test_dates_overlap_a_window_and_not_before_they_are_available(db, person):
    may = person("May")
    may.windows = [AvailabilityWindow(starts_on=date(2027, 5, 1), ends_on=date(2027, 5, 31))]
    later = person("Busy until June", unavailable_until=date(2027, 6, 1))
    later.windows = [AvailabilityWindow(starts_on=date(2027, 5, 1), ends_on=date(2027, 7, 31))]
    two = person("Two windows")
    two.windows = [
        AvailabilityWindow(starts_on=date(2027, 1, 1), ends_on=date(2027, 1, 10)),
        AvailabilityWindow(starts_on=date(2027, 9, 1), ends_on=date(2027, 9, 30)),
    ]
    person("No windows")
    db.session.commit()

    def available(start: date, end: date) -> list[str]:
        return sorted(names(db, Filters(available_from=start, available_to=end)))

    assert available(date(2027, 5, 20), date(2027, 6, 10)) == ["May"]
    assert available(date(2027, 4, 1), date(2027, 5, 1)) == ["May"]  # touching counts
    assert available(date(2027, 6, 1), date(2027, 6, 30)) == ["Busy until June"]
    assert available(date(2027, 9, 30), date(2027, 10, 5)) == ["Two windows"]
    assert available(date(2027, 2, 1), date(2027, 4, 30)) == []


def test_verified_credential_only(db, person):
    """ "Verified" is the credentials area's rule: verified, and not expired."""
    verified = person("Verified")
    db.session.add(
        Credential(profile=verified, regulator="GMC", number="1234567", status="verified")
    )
    expired = person("Expired")
    yesterday = utcnow().date() - timedelta(days=1)
    db.session.add(
        Credential(
            profile=expired,
            regulator="GMC",
            number="7654321",
            status="verified",
            expires_on=yesterday,
        )
    )
    unverified = person("Unverified")
    db.session.add(Credential(profile=unverified, regulator="NMC", number="12A3456E"))
    person("None")
    db.session.commit()
    assert names(db, Filters(verified_only=True)) == ["Verified"]
    flags = {
        r.profile.user.display_name: r.verified
        for r in services.search(db.session, COORDINATOR, Filters()).items
    }
    assert flags == {"Verified": True, "Expired": False, "Unverified": False, "None": False}
    exported = {
        r.profile.user.display_name: r.verified
        for r in services.all_results(db.session, COORDINATOR, Filters())
    }
    assert exported == flags


def test_free_text_looks_in_name_specialty_bio_and_skills(db, person):
    person("Chidi Okeke", specialty="Paediatric cardiology")
    person("Ama Mensah", bio="Ran obstetric emergency drills in Kumasi.")
    person("Rahim Uddin", skills=(("telemedicine", 3),))
    person("Someone Else", specialty="Dermatology")

    def found(text: str) -> list[str]:
        return sorted(names(db, Filters(text=text)))

    assert found("okeke") == ["Chidi Okeke"]
    assert found("CARDIOLOGY") == ["Chidi Okeke"]
    assert found("kumasi") == ["Ama Mensah"]
    assert found("Telemedicine") == ["Rahim Uddin"]  # the skill's label, from the catalogue
    assert found("paed") == ["Chidi Okeke"]  # the start of a word is enough
    assert found("obstetric drills") == ["Ama Mensah"]  # every word must be there
    assert found("obstetric dermatology") == []
    assert len(found("  ;:&|!()  ")) == 4  # nothing to search for: no text filter
    assert found("okeke & (x | y):*") == []  # query syntax is only words


def test_best_match_ranks_free_text_on_postgresql(db, person):
    if db.session.get_bind().dialect.name != "postgresql":
        pytest.skip("ts_rank is PostgreSQL's; SQLite orders text matches by the other rules")
    old = utcnow() - timedelta(days=30)
    person("Once", bio="Some maternal work.", last_active_at=utcnow())
    person("Often", bio="Maternal health, maternal care, maternal audits.", last_active_at=old)
    assert names(db, Filters(text="maternal")) == ["Often", "Once"]
    assert names(db, Filters(text="maternal", sort="recent")) == ["Once", "Often"]


def test_best_match_puts_the_strongest_skill_and_language_first(db, person):
    now = utcnow()
    person(
        "Level two",
        skills=(("simulation", 2),),
        languages=(("ben", 4), ("yor", 2)),
        last_active_at=now,
    )
    person(
        "Level four",
        skills=(("simulation", 4),),
        languages=(("ben", 4), ("yor", 4)),
        last_active_at=now - timedelta(days=9),
    )
    assert names(db, Filters(skill="simulation")) == ["Level four", "Level two"]
    assert names(db, Filters(skill="simulation", sort="recent")) == ["Level two", "Level four"]
    assert names(db, Filters(language="yor")) == ["Level four", "Level two"]
    assert names(db, Filters(language="ben")) == ["Level two", "Level four"]  # equal: recency


def test_without_anything_to_rank_best_match_is_most_recent_first(db, person):
    now = utcnow()
    for days, name in ((3, "Three days"), (0, "Today"), (10, "Ten days")):
        person(name, last_active_at=now - timedelta(days=days))
    assert names(db) == ["Today", "Three days", "Ten days"]


@pytest.mark.parametrize("text", ["", "p"], ids=["no text", "ranked text"])
def test_pages_and_the_total(db, person, text):
    """With ranked text on PostgreSQL the page query gives the total itself: the same pages."""
    now = utcnow()
    for n in range(7):
        person(f"P{n}", last_active_at=now - timedelta(minutes=n))

    def search(page: int):
        return services.search(db.session, COORDINATOR, Filters(text=text), page=page, per_page=3)

    first = search(1)
    assert (first.total, first.pages, first.has_prev, first.next_num) == (7, 3, False, 2)
    assert [r.profile.user.display_name for r in first.items] == ["P0", "P1", "P2"]
    last = search(3)
    assert [r.profile.user.display_name for r in last.items] == ["P6"]
    assert (last.first_number, last.last_number, last.has_next) == (7, 7, False)
    beyond = search(99)
    assert (beyond.page, beyond.total, len(beyond.items)) == (3, 7, 1)
    nobody = services.search(db.session, COORDINATOR, Filters(text="nobody"), page=2)
    assert (nobody.total, nobody.page, nobody.items) == (0, 1, [])


def test_consent_to_be_contacted_does_not_change_who_is_listed(db, person):
    """Decision: visibility says who may see a profile; consent is about being approached,
    which matching and messaging will honour. The directory lists both alike."""
    person("Consents", consent=True)
    person("Does not", consent=False)
    assert sorted(names(db)) == ["Consents", "Does not"]


# Which visibilities each kind of viewer finds in searches, counts and exports (privacy.py).
LISTED = {
    "staff": set(),
    "partner_verified": {"verified_organisations"},
    "partner_unverified": set(),
    "coordinator_verified": {"coordinators", "verified_organisations"},
    "coordinator_unverified": set(),
    "admin": {"coordinators", "verified_organisations"},
}


@pytest.mark.parametrize("kind", VIEWERS)
def test_privacy_in_results_counts_and_exports(db, viewer, kind, person):
    for visibility in ("private", "coordinators", "verified_organisations"):
        person(visibility, visibility=visibility)
    access = services.access_for(db.session, viewer(kind))
    assert access.can_search == bool(LISTED[kind])
    assert access.can_export == (kind in {"coordinator_verified", "admin"})
    page = services.search(db.session, access, Filters())
    assert {r.profile.user.display_name for r in page.items} == LISTED[kind]
    assert page.total == len(LISTED[kind])
    exported = {
        r.profile.user.display_name for r in services.all_results(db.session, access, Filters())
    }
    assert exported == LISTED[kind]


@pytest.mark.parametrize("kind", VIEWERS)
def test_privacy_of_the_profile_page(db, viewer, kind, person):
    user = viewer(kind)
    access = services.access_for(db.session, user)
    for visibility in ("private", "coordinators", "verified_organisations"):
        profile = person(visibility, visibility=visibility)
        shown = services.viewable_profile(db.session, access, user, profile.id) is not None
        expected = visibility in LISTED[kind] or (kind == "admin")
        assert shown == expected, visibility


def test_admins_open_unfinished_profiles_others_do_not(db, viewer, person):
    unfinished = person("Unfinished")
    unfinished.completed_at = None
    db.session.commit()
    for kind, shown in (("admin", True), ("coordinator_verified", False)):
        user = viewer(kind)
        access = services.access_for(db.session, user)
        assert (
            services.viewable_profile(db.session, access, user, unfinished.id) is not None
        ) == shown
    assert services.viewable_profile(db.session, COORDINATOR, user, 999_999) is None


def test_the_export_reaches_every_page_in_order(db, person):
    now = utcnow()
    for n in range(services.PER_PAGE + 5):
        person(f"P{n:02}", last_active_at=now - timedelta(minutes=n))
    exported = [
        r.profile.user.display_name
        for r in services.all_results(db.session, COORDINATOR, Filters())
    ]
    assert exported == [f"P{n:02}" for n in range(services.PER_PAGE + 5)]


def test_an_export_is_audited_with_filter_names_and_no_values(db, make, viewer):
    coordinator = viewer("coordinator_verified")
    filters = Filters(text="Okeke", country="NG", language="ibo", min_proficiency=3, min_level=3)
    services.record_export(db.session, coordinator, filters, 12)
    db.session.commit()
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "directory.exported"))
    assert event.actor_id == coordinator.id
    assert event.details == {
        "count": 12,
        "filters": ["text", "country", "language", "min_proficiency"],
    }
    assert "Okeke" not in str(event.details)


def test_a_disabled_accounts_profile_page_is_for_administrators_only(db, person, viewer):
    disabled = person("Disabled")
    disabled.user.active = False
    db.session.commit()
    coordinator, admin = viewer("coordinator_verified"), viewer("admin")
    for who, expected in ((coordinator, None), (admin, disabled)):
        access = services.access_for(db.session, who)
        result = services.viewable_profile(db.session, access, who, disabled.id)
        assert (result and result.profile) is expected


def test_past_the_count_limit_the_total_says_more_and_pages_keep_their_order(
    db, person, monkeypatch
):
    """A broad search stops counting past COUNT_LIMIT or the page asked for: the page says
    "more than", and every page holds the people it holds when everyone is counted."""
    now = utcnow()
    for n in range(7):
        person(f"P{n}", last_active_at=now - timedelta(minutes=n))
    monkeypatch.setattr(services, "COUNT_LIMIT", 3)

    def search(page: int):
        return services.search(db.session, COORDINATOR, Filters(), page=page, per_page=2)

    first = search(1)
    assert (first.total, first.more, first.pages) == (3, True, 2)
    assert [r.profile.user.display_name for r in first.items] == ["P0", "P1"]
    second = search(2)  # counted as far as page 2 and one more
    assert (second.total, second.more) == (4, True)
    assert [r.profile.user.display_name for r in second.items] == ["P2", "P3"]
    last = search(4)  # as far as page 4 is past the end: every result counted
    assert (last.total, last.more, last.page) == (7, False, 4)
    assert [r.profile.user.display_name for r in last.items] == ["P6"]


@pytest.mark.parametrize(
    "filters",
    [
        Filters(skill="simulation"),
        Filters(skill="simulation", min_level=2, language="ben"),
        Filters(language="ben", min_proficiency=2, profession="doctor"),
    ],
    ids=["skill", "skill and language", "language and profession"],
)
def test_strongest_first_pages_are_the_fully_sorted_order(db, person, monkeypatch, filters):
    """A broad search ranked by strength reads one short list per level (the page query's
    union); page after page, it gives exactly the order of sorting every result (the export)."""
    now = utcnow()
    for n in range(24):
        person(
            f"P{n:02}",
            profession="doctor" if n % 3 else "midwife",
            skills=(("simulation", n % 4 + 1),),
            languages=(("ben", (n * 7) % 4 + 1),),
            last_active_at=now - timedelta(hours=(n * 5) % 11, minutes=n),
        )
    monkeypatch.setattr(services, "COUNT_LIMIT", 1)
    paged, counted = [], []
    for page in range(1, 10):
        results = services.search(db.session, COORDINATOR, filters, page=page, per_page=4)
        if results.page < page:  # past the end: the last page again
            break
        paged += [r.profile.user.display_name for r in results.items]
        counted.append(results.more)
    assert counted[0] and not counted[-1]  # the union first, then the sort in Python
    everyone = [
        r.profile.user.display_name for r in services.all_results(db.session, COORDINATOR, filters)
    ]
    assert len(everyone) > 4
    assert paged == everyone
