"""Sign-up, the profile journey and a partner's posting of an opportunity in French, Arabic and
Bengali, in a real browser: the footer's switcher chooses the language without JavaScript's help,
every page passes axe-core and fits a 320 px screen, Arabic pages are right to left, and the
pages of the posting journey keep no English phrase of their own."""

from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect

from diaspora.auth.models import User
from diaspora.core.time import utcnow
from diaspora.extensions import db
from tests.factories import PASSWORD, Factories
from tests.helpers import second_factor_answer

pytestmark = pytest.mark.browser

# The words each check looks for, in the language under test.
WORDS = {
    "fr": {
        "name": "Français",
        "sign_up": "Créer votre compte de personnel du NHS",
        "profile": "Votre profil",
        "saved": "Votre profil a été enregistré.",
    },
    "ar": {
        "name": "العربية",
        "sign_up": "أنشئ حسابك كموظف في هيئة الخدمات الصحية الوطنية",
        "profile": "ملفك الشخصي",
        "saved": "تم حفظ ملفك الشخصي.",
    },
    "bn": {
        "name": "বাংলা",
        "sign_up": "আপনার NHS কর্মী অ্যাকাউন্ট তৈরি করুন",
        "profile": "আপনার প্রোফাইল",
        "saved": "আপনার প্রোফাইল সংরক্ষণ করা হয়েছে।",
    },
}
DIRECTION = {"fr": "ltr", "ar": "rtl", "bn": "ltr"}


def _in_language(page: Page, language: str) -> None:
    html = page.locator("html")
    expect(html).to_have_attribute("lang", language)
    expect(html).to_have_attribute("dir", DIRECTION[language])


def _submit(tab) -> None:
    """The page's own form's button (not a Remove button of a list)."""
    tab.follow(tab.page.locator("main form:not(.app-inline-form) button").last)


def _continue(tab) -> None:
    tab.follow(tab.page.locator("main a.nhsuk-button"))


@pytest.mark.parametrize("language", ["fr", "ar", "bn"])
def test_sign_up_and_profile_in_another_language(live_server, open_tab, language):
    words = WORDS[language]
    tab = open_tab()
    page = tab.page

    # A visitor chooses the language in the footer, then signs up in it.
    tab.visit("/account/register/staff")
    tab.follow(page.get_by_role("contentinfo").get_by_role("link", name=words["name"]))
    _in_language(page, language)
    tab.follow(page.locator(f'main button[value="{language}"]'))
    _in_language(page, language)
    expect(page.get_by_role("heading", level=1)).to_have_text(words["sign_up"])
    _submit(tab)  # nothing typed: the errors come in the language too
    _in_language(page, language)
    expect(page.locator(".nhsuk-error-summary")).to_be_visible()
    page.locator("#display_name").fill("Rumana Islam")
    page.locator("#email").fill(f"rumana.{language}@example.org")
    page.locator("#password").fill("quiet river lantern orbit")
    _submit(tab)

    with live_server.app.app_context():
        user = db.session.scalar(
            db.select(User).where(User.email == f"rumana.{language}@example.org")
        )
        assert user.language == language
        user.email_verified_at = utcnow()  # as the link in the email would
        db.session.commit()

    # Signed in, the account's setting keeps the language; the profile journey in it.
    tab.visit("/account/sign-in")
    _in_language(page, language)
    page.locator("#email").fill(f"rumana.{language}@example.org")
    page.locator("#password").fill("quiet river lantern orbit")
    _submit(tab)
    tab.visit("/profile")
    _in_language(page, language)
    _continue(tab)

    page.locator("#profession").select_option(index=1)
    page.locator("#grade").select_option(index=1)
    page.locator("#years_experience").fill("9")
    page.locator("#bio").fill("আমি সিলেটে প্রশিক্ষণ নিয়েছি।")
    _submit(tab)

    page.locator("#country").select_option("BD")
    page.locator('input[name="kind"][value="born"]').check()
    _submit(tab)
    expect(page.locator("main table")).to_contain_text(
        {"fr": "Bangladesh", "ar": "بنغلاديش", "bn": "বাংলাদেশ"}[language]
    )
    _continue(tab)

    page.locator("#language").select_option("ben")
    page.locator('input[name="proficiency"][value="4"]').check()
    _submit(tab)
    _continue(tab)

    page.locator("#skill").select_option(index=1)
    page.locator('input[name="level"][value="2"]').check()
    _submit(tab)
    _continue(tab)

    page.locator("#hours_per_month").fill("8")
    page.locator('input[name="modality"][value="remote"]').check()
    _submit(tab)

    _in_language(page, language)
    _submit(tab)  # privacy: private, as a new profile is
    _submit(tab)  # check your answers: save

    expect(page.get_by_role("heading", level=1)).to_have_text(words["profile"])
    expect(page.get_by_text(words["saved"])).to_be_visible()
    expect(page.locator("main [dir=auto]").first).to_be_visible()
    _in_language(page, language)


# The partner's posting journey: what each page says in the language, and English phrases of
# the same pages that must not be left on them.
POSTING = {
    "fr": {
        "manage": "Les opportunités de votre organisation",
        "post": "Publier une opportunité",
        "new": "Nouveau projet de renforcement des capacités",
        "title_error": "Saisissez un titre",
        "saved": "Votre opportunité est enregistrée comme brouillon.",
        "publish": "Publier",
        "published": "Votre opportunité est publiée.",
    },
    "ar": {
        "manage": "فرص مؤسستك",
        "post": "نشر فرصة",
        "new": "مشروع جديد لبناء القدرات",
        "title_error": "أدخل عنواناً",
        "saved": "تم حفظ فرصتك كمسودة.",
        "publish": "نشر",
        "published": "تم نشر فرصتك.",
    },
    "bn": {
        "manage": "আপনার প্রতিষ্ঠানের সুযোগগুলো",
        "post": "একটি সুযোগ পোস্ট করুন",
        "new": "নতুন সক্ষমতা বৃদ্ধি প্রকল্প",
        "title_error": "একটি শিরোনাম লিখুন",
        "saved": "আপনার সুযোগটি খসড়া হিসেবে সংরক্ষণ করা হয়েছে।",
        "publish": "প্রকাশ করুন",
        "published": "আপনার সুযোগটি প্রকাশিত হয়েছে।",
    },
}
ENGLISH = (
    "Your organisation's opportunities",
    "Post an opportunity",
    "You will save it as a draft first",
    "Capacity-building project",
    "What kind of opportunity is it?",
    "Who you are looking for",
    "Professions wanted",
    "Save as draft",
    "Enter a title",
    "Select at least one profession",
    "There is a problem",
    "How people take part",
    "Manage this opportunity",
    "Change this opportunity",
    "Your opportunity is",
    "Not given",
    "or above",
)


def _no_english(page: Page) -> None:
    text = page.locator("main").inner_text()
    left = [phrase for phrase in ENGLISH if phrase in text]
    assert not left, f"{page.url} still says {left}"


@pytest.mark.parametrize("language", ["fr", "ar", "bn"])
def test_a_partner_posts_an_opportunity_in_another_language(live_server, open_tab, language):
    words = POSTING[language]
    with live_server.app.app_context():
        make = Factories(db.session)
        partner = make.user(email=f"farhana.{language}@dmch.example.org", roles=["partner"])
        partner.language = language
        make.organisation(name="Dhaka Medical College Hospital", members=(partner,))
        db.session.commit()

    # The browser asks for the language too, so the sign-in page is already in it.
    tab = open_tab(locale={"fr": "fr-FR", "ar": "ar-EG", "bn": "bn-BD"}[language])
    page = tab.page
    tab.visit("/account/sign-in")
    _in_language(page, language)
    page.locator("#email").fill(f"farhana.{language}@dmch.example.org")
    page.locator("#password").fill(PASSWORD)
    _submit(tab)
    if page.url.split("?")[0].endswith("/account/two-factor"):  # partners have a second factor
        with live_server.app.app_context():
            _url, code = second_factor_answer(f"farhana.{language}@dmch.example.org")
        page.locator("#code").fill(code)
        _submit(tab)

    tab.visit("/opportunities/manage")
    _in_language(page, language)
    expect(page.get_by_role("heading", level=1)).to_have_text(words["manage"])
    _no_english(page)
    tab.follow(page.locator("main a.nhsuk-button"))
    expect(page.get_by_role("heading", level=1)).to_have_text(words["post"])
    _no_english(page)
    page.locator('input[name="kind"][value="project"]').check()
    _submit(tab)

    _in_language(page, language)
    expect(page.get_by_role("heading", level=1)).to_have_text(words["new"])
    _no_english(page)
    _submit(tab)  # nothing typed: every error in the language
    _in_language(page, language)
    expect(page.locator(".nhsuk-error-summary")).to_contain_text(words["title_error"])
    _no_english(page)

    first = date.today() + timedelta(days=30)
    last = first + timedelta(days=90)
    page.locator("#title").fill("প্রসূতি জরুরি সেবা প্রশিক্ষণ")
    page.locator("#description").fill("Formation des sages-femmes aux urgences obstétricales.")
    page.locator("#country").select_option("BD")
    page.locator('input[name="modality"][value="remote"]').check()
    for name, day in (("starts_on", first), ("ends_on", last)):
        page.locator(f"#{name}").fill(str(day.day))
        page.locator(f"#{name}-month").fill(str(day.month))
        page.locator(f"#{name}-year").fill(str(day.year))
    page.locator("#hours_per_month").fill("8")
    page.locator("#places").fill("3")
    page.locator('input[name="professions"][value="midwife"]').check()
    page.locator("#skill_1").select_option(index=1)
    page.locator("#language_1").select_option("ben")
    _submit(tab)

    _in_language(page, language)
    expect(page.get_by_text(words["saved"])).to_be_visible()
    _no_english(page)
    tab.follow(page.locator("main form button", has_text=words["publish"]))
    _in_language(page, language)
    expect(page.get_by_text(words["published"])).to_be_visible()
    _no_english(page)
