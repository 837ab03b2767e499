"""The shipped plan templates' words (data/plan_templates.toml), marked for `pybabel extract`:
each template's name, description and status note, and each milestone's title and description,
is a message the catalogues translate, while the file and the templates loaded from it stay in
English. A page shows a template's text through `diaspora.languages.shipped`, so what an editor
changed shows as typed. tests/milestones/test_template_texts.py checks this list holds exactly
the texts in the file.
"""

from diaspora.core.words import N_

TEMPLATE_TEXTS = (
    N_("Medical Training Initiative (MTI)"),
    N_(
        "Up to 24 months of training in an NHS post, sponsored by a Royal College, then return "
        "home."
    ),
    N_(
        "The Medical Training Initiative is closing. The Royal College of Anaesthetists stopped"
        " accepting new applications on 31 March 2026; doctors already on the scheme are "
        "supported to finish their placements. Check with your sponsoring college before you "
        "start a new plan."
    ),
    N_("Arrive and start work"),
    N_("Your first day of employment at your NHS trust."),
    N_("Starters report sent"),
    N_(
        "Your trust sends the MTI Starters Report, with a verified copy of your residence "
        "permit, to the Academy of Medical Royal Colleges within 5 days of your first day of "
        "employment. Check with your medical staffing team that it has gone."
    ),
    N_("Hospital induction"),
    N_("The trust's induction for new doctors."),
    N_("Departmental induction"),
    N_("Your department's own induction."),
    N_("First meeting with your educational supervisor"),
    N_("Agree your learning objectives with your named educational supervisor."),
    N_("Six-month review"),
    N_("Your six-monthly report with your educational supervisor."),
    N_("Twelve-month review"),
    N_("Eighteen-month review"),
    N_("Final review and exit interview"),
    N_("Your final report with your educational supervisor, and the trust's exit interview."),
    N_("End of placement report"),
    N_(
        "The MTI End of Placement Report goes to the Academy of Medical Royal Colleges when "
        "your placement ends."
    ),
    N_("Return home"),
    N_("Travel home at the end of your placement."),
    N_("Check-in 3 months after returning"),
    N_("How are you settling back in? Tell your coordinator how you are using what you learned."),
    N_("Check-in 12 months after returning"),
    N_("A year on: what has changed in your work since you returned?"),
    N_("Earn, learn and return: nursing"),
    N_("Three years working as a nurse in the NHS, then return home."),
    N_("Your first day with your NHS employer."),
    N_("Trust induction"),
    N_("Your employer's induction for new nurses."),
    N_("OSCE booked"),
    N_(
        "Book the OSCE, the practical part of the NMC Test of Competence, sat in the UK. Your "
        "employer will tell you how they support it."
    ),
    N_("OSCE taken"),
    N_("The practical part of the NMC Test of Competence."),
    N_("NMC registration complete"),
    N_(
        "You are on the NMC register and have your NMC PIN. Add it to your professional "
        "registrations."
    ),
    N_("Preceptorship begins"),
    N_("Agree your preceptorship with your preceptor and your manager."),
    N_("Preceptorship review"),
    N_("Review your progress with your preceptor."),
    N_("First annual review"),
    N_("Your appraisal with your manager."),
    N_("Second annual review"),
    N_("Plan your return"),
    N_("Talk to your coordinator and your home employer about the role you are returning to."),
    N_("Final review"),
    N_("Your last appraisal in the NHS, and what you will take home."),
    N_("Travel home at the end of your three years."),
    N_("Custom plan"),
    N_("No milestones to start with: add your own."),
)
