"""Sign-up and the profile journey in French, Arabic and Bengali, in a real browser: the footer's
switcher chooses the language without JavaScript's help, every page passes axe-core and fits a
320 px screen, and Arabic pages are right to left."""

import pytest
from playwright.sync_api import Page, expect

from diaspora.auth.models import User
from diaspora.core.time import utcnow
from diaspora.extensions import db

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
