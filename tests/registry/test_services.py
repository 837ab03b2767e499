"""The registry's rules, called directly: what a profile may hold and what a change refuses."""

import unicodedata
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from diaspora.auth.models import User
from diaspora.registry import services
from diaspora.registry.models import CountryTie, ProfileSkill, StaffProfile
from diaspora.registry.services import ProfileError

TODAY = date(2026, 3, 1)
WORK = {
    "profession": "midwife",
    "grade": "afc_7",
    "specialty": "Obstetrics",
    "nhs_employer": "Barts Health NHS Trust",
    "years_experience": 12,
    "bio": "",
}


@pytest.fixture
def profile(make, db) -> StaffProfile:
    user = make.user(name="Nusrat Jahan")
    profile = services.profile_for(db.session, user, create=True)
    db.session.commit()
    return profile


def test_profile_for_makes_an_empty_private_profile_only_when_asked(make, db):
    user = make.user()
    assert services.profile_for(db.session, user) is None
    profile = services.profile_for(db.session, user, create=True)
    assert (profile.visibility, profile.consent_to_contact, profile.completed_at) == (
        "private",
        False,
        None,
    )
    assert services.profile_for(db.session, user, create=True) is profile


def test_work_is_stored_and_feeds_search_and_activity(profile, db):
    before = profile.last_active_at
    services.update_work(profile, **dict(WORK, bio="  Trained in Sylhet.  "))
    db.session.commit()
    assert (profile.profession, profile.grade, profile.years_experience) == ("midwife", "afc_7", 12)
    assert profile.bio == "Trained in Sylhet."
    assert profile.search_text == "nusrat jahan obstetrics trained in sylhet."
    assert profile.last_active_at >= before


def test_free_text_is_stored_in_normal_form_c():
    decomposed = unicodedata.normalize("NFD", "Adébáyọ̀ Ọlọ́runfẹ́mi")
    assert services.clean_text(decomposed) == unicodedata.normalize("NFC", decomposed)
    assert services.clean_text(decomposed) != decomposed


def test_bad_work_is_refused_with_every_problem_and_nothing_changes(profile):
    with pytest.raises(ProfileError) as refused:
        services.update_work(
            profile,
            **dict(
                WORK,
                profession="astronaut",
                grade="band_99",
                years_experience=71,
                specialty="x" * 121,
            ),
        )
    assert refused.value.errors == {
        "profession": "Select a profession from the list",
        "grade": "Select a grade or band from the list",
        "specialty": "Specialty must be 120 characters or fewer",
        "years_experience": "Years of experience must be between 0 and 70",
    }
    assert profile.profession is None


@pytest.mark.parametrize(
    ("rule", "value", "message"),
    [
        (services.years_problem, -1, "Years of experience must be between 0 and 70"),
        (services.years_problem, None, "Enter your years of experience"),
        (services.hours_problem, 201, "Hours a month must be between 0 and 200"),
        (services.notice_problem, 53, "Notice must be between 0 and 52 weeks"),
        (services.country_problem, "XX", "Select a country from the list"),
        (services.country_problem, "bd", "Select a country from the list"),
        (services.language_problem, "xyz", "Select a language from the list"),
        (services.proficiency_problem, "5", "Select how well you speak the language"),
        (services.proficiency_problem, "1.0", "Select how well you speak the language"),
        (services.skill_level_problem, 0, "Select your level in this skill"),
        (
            services.modality_problem,
            "teleport",
            "Select whether you can help remotely, on site or both",
        ),
        (services.visibility_problem, "everyone", "Select who can see your profile"),
    ],
)
def test_rules_name_the_problem(rule, value, message):
    assert rule(value) == message


@pytest.mark.parametrize(
    ("rule", "value"),
    [
        (services.years_problem, 0),
        (services.years_problem, 70),
        (services.hours_problem, 0),
        (services.hours_problem, 200),
        (services.notice_problem, None),
        (services.country_problem, "BD"),
        (services.language_problem, "syl"),  # Sylheti: no ISO 639-1 code, but listed
        (services.proficiency_problem, "4"),
        (services.skill_level_problem, 1),
    ],
)
def test_rules_accept_the_edges(rule, value):
    assert rule(value) is None


def test_ties_any_kind_per_country_but_each_once(profile, db):
    services.add_tie(db.session, profile, country="BD", kind="born")
    services.add_tie(db.session, profile, country="BD", kind="trained")
    db.session.commit()
    with pytest.raises(ProfileError) as refused:
        services.add_tie(db.session, profile, country="BD", kind="born")
    assert refused.value.errors == {"country": "You have already added Bangladesh (born there)"}
    with pytest.raises(ProfileError):
        services.add_tie(db.session, profile, country="ZZ", kind="born")
    with pytest.raises(ProfileError):
        services.add_tie(db.session, profile, country="NG", kind="holiday")
    db.session.commit()
    stored = db.session.scalars(select(CountryTie.kind).where(CountryTie.profile_id == profile.id))
    assert sorted(stored) == ["born", "trained"]


def test_a_duplicate_slipping_past_the_check_is_refused_by_the_database(profile, db):
    """Another request added the same tie after this one looked: the unique constraint
    refuses it, only the savepoint is undone, and the rest of the transaction carries on."""
    assert profile.ties == []  # loaded, and about to go stale
    db.session.add(CountryTie(profile_id=profile.id, country="NG", kind="born"))
    db.session.flush()
    profile.specialty = "Paediatrics"
    with pytest.raises(ProfileError) as refused:
        services.add_tie(db.session, profile, country="NG", kind="born")
    assert refused.value.errors == {"country": "You have already added Nigeria (born there)"}
    db.session.commit()
    db.session.expire_all()
    assert [(t.country, t.kind) for t in profile.ties] == [("NG", "born")]
    assert profile.specialty == "Paediatrics"


def test_languages_each_once_with_a_level(profile, db):
    services.add_language(db.session, profile, language="ben", proficiency="4")
    services.add_language(db.session, profile, language="syl", proficiency=3)
    with pytest.raises(ProfileError) as refused:
        services.add_language(db.session, profile, language="ben", proficiency="2")
    assert refused.value.errors == {
        "language": "You have already added Bengali. Remove it first to change the level"
    }
    with pytest.raises(ProfileError) as refused:
        services.add_language(db.session, profile, language="klingon", proficiency="9")
    assert set(refused.value.errors) == {"language", "proficiency"}
    assert [(item.language, item.proficiency) for item in profile.languages] == [
        ("ben", 4),
        ("syl", 3),
    ]


def test_skills_from_the_list_or_in_the_persons_own_words(profile, db):
    services.add_skill(db.session, profile, code="neonatal_resuscitation", level="4")
    tag = services.add_skill(db.session, profile, tag="  Obstetric Ultrasound ", level=3)
    bengali = services.add_skill(db.session, profile, tag="মাতৃস্বাস্থ্য শিক্ষা", level=2)
    db.session.commit()
    assert (tag.code, tag.tag) == ("tag:obstetric-ultrasound", "Obstetric Ultrasound")
    assert bengali.code.startswith("tag:") and bengali.tag == "মাতৃস্বাস্থ্য শিক্ষা"
    assert "obstetric ultrasound" in profile.search_text
    assert "neonatal resuscitation" in profile.search_text
    assert "মাতৃস্বাস্থ্য শিক্ষা" in profile.search_text


def test_typed_words_naming_a_listed_skill_are_stored_as_that_skill(profile, db):
    item = services.add_skill(db.session, profile, tag="clinical TEACHING", level=2)
    assert (item.code, item.tag) == ("clinical_teaching", None)
    with pytest.raises(ProfileError) as refused:
        services.add_skill(db.session, profile, code="clinical_teaching", level=3)
    assert refused.value.errors == {
        "skill": "You have already added Clinical teaching. Remove it first to change the level"
    }


@pytest.mark.parametrize(
    ("code", "tag", "message"),
    [
        (None, None, "Select a skill from the list or type your own"),
        (None, "   ", "Select a skill from the list or type your own"),
        ("surgery", "Robotic surgery", "Select a skill from the list or type your own, not both"),
        ("juggling", None, "Select a skill from the list"),
        (None, "x" * 61, "Your own skill must be 60 characters or fewer"),
        (None, "!!! ???", "Your own skill must include letters or numbers"),
    ],
)
def test_bad_skills_are_refused(profile, db, code, tag, message):
    with pytest.raises(ProfileError) as refused:
        services.add_skill(db.session, profile, code=code, tag=tag, level=2)
    assert refused.value.errors == {"skill": message}
    assert db.session.scalar(select(ProfileSkill)) is None


def test_availability_and_travel_windows(profile, db):
    services.update_availability(
        profile, hours_per_month=8, modality="both", notice_weeks=4, unavailable_until=None
    )
    assert services.travels(profile)
    services.add_window(
        db.session, profile, starts_on=TODAY, ends_on=TODAY + timedelta(days=14), today=TODAY
    )
    services.add_window(
        db.session, profile, starts_on=date(2026, 7, 1), ends_on=date(2026, 7, 1), today=TODAY
    )
    db.session.commit()
    assert [w.starts_on for w in profile.windows] == [TODAY, date(2026, 7, 1)]


@pytest.mark.parametrize(
    ("starts_on", "ends_on", "problems"),
    [
        (
            date(2026, 5, 2),
            date(2026, 5, 1),
            {"ends_on": "Window end must be the same as or after its start"},
        ),
        (
            date(2026, 1, 1),
            date(2026, 2, 28),
            {"ends_on": "Window end must be today or in the future"},
        ),
        (
            date(2026, 4, 10),
            date(2026, 4, 20),
            {
                "starts_on": "These dates overlap a window you have already added"
                " (1 April 2026 to 10 April 2026)"
            },
        ),
        (
            None,
            None,
            {
                "starts_on": "Enter the date the window starts",
                "ends_on": "Enter the date the window ends",
            },
        ),
    ],
)
def test_bad_windows_are_refused(profile, db, starts_on, ends_on, problems):
    services.add_window(
        db.session, profile, starts_on=date(2026, 4, 1), ends_on=date(2026, 4, 10), today=TODAY
    )
    with pytest.raises(ProfileError) as refused:
        services.add_window(db.session, profile, starts_on=starts_on, ends_on=ends_on, today=TODAY)
    assert refused.value.errors == problems
    assert len(profile.windows) == 1


def test_remove_only_touches_the_profiles_own_items(new_profile, db, profile):
    services.add_tie(db.session, profile, country="GH", kind="heritage")
    someone_else = new_profile(ties=(("NG", "born"),))
    theirs = someone_else.ties[0].id
    db.session.commit()
    assert services.remove_item(profile, "tie", theirs) is None
    assert services.remove_item(profile, "tie", 999_999) is None
    assert db.session.get(CountryTie, theirs) is not None

    mine = profile.ties[0].id
    assert services.remove_item(profile, "tie", mine).country == "GH"
    db.session.commit()
    assert db.session.get(CountryTie, mine) is None


def test_removing_a_skill_takes_it_out_of_the_search_text(profile, db):
    item = services.add_skill(db.session, profile, tag="Kangaroo mother care", level=4)
    assert "kangaroo" in profile.search_text
    services.remove_item(profile, "skill", item.id)
    assert "kangaroo" not in profile.search_text


def test_privacy(profile):
    services.update_privacy(profile, visibility="coordinators", consent=True)
    assert (profile.visibility, profile.consent_to_contact) == ("coordinators", True)
    with pytest.raises(ProfileError):
        services.update_privacy(profile, visibility="public", consent=True)
    assert profile.visibility == "coordinators"


def test_a_profile_is_complete_only_with_every_section(profile, db):
    assert list(services.missing_sections(None)) == [
        "work",
        "countries",
        "languages",
        "skills",
        "availability",
    ]
    with pytest.raises(ProfileError) as refused:
        services.complete_profile(profile)
    assert refused.value.errors["countries"] == "Add at least one country you have ties to"
    assert profile.completed_at is None

    services.update_work(profile, **WORK)
    services.add_tie(db.session, profile, country="BD", kind="born")
    services.add_language(db.session, profile, language="ben", proficiency=4)
    services.add_skill(db.session, profile, code="mentoring", level=2)
    services.update_availability(
        profile, hours_per_month=0, modality="remote", notice_weeks=None, unavailable_until=None
    )
    assert services.missing_sections(profile) == {}
    services.complete_profile(profile)
    first = profile.completed_at
    assert first is not None
    services.complete_profile(profile)
    assert profile.completed_at == first


def test_load_profile_brings_every_collection(new_profile, db, queries):
    user_id = new_profile(ties=(("BD", "born"), ("GB", "worked"))).user_id
    db.session.expunge_all()
    user = db.session.get(User, user_id)
    with queries.count():
        loaded = services.load_profile(db.session, user)
        counts = (len(loaded.ties), len(loaded.languages), len(loaded.skills), len(loaded.windows))
    assert counts == (2, 2, 1, 0)
    assert len(queries) == 5
