"""Demonstration content: the seed commentary on nemolizumab-associated eruptions, published
as an enduring-material module with its post-test.

Every figure, name and role below is stated in the seed article. Where the article gives no
fact that a CME activity needs (financial relationships, commercial support, accreditation),
the text says plainly that it is demonstration text instead of inventing one.
"""

import datetime
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import transaction

from courses.credit_kinds import (
    ACPE_CONTACT_HOURS,
    AMA_PRA_CATEGORY_1,
    ANCC_CONTACT_HOURS,
    MOC_POINTS,
    standard_kind,
)
from courses.credit_rules import accreditation_statement
from courses.models import (
    CommercialSupport,
    CreditType,
    DisclosureStatus,
    FacultyRole,
    Module,
    ModuleStatus,
    Topic,
)
from courses.publishing import publish_module
from courses.references import split_citation
from quizzes.authoring import add_question
from quizzes.models import PostTest, QuestionKind

DEMO_DIR = Path(__file__).resolve().parent
SLUG = "nemolizumab-cutaneous-eruptions-atopic-dermatitis"
RELEASE_DATE = datetime.date(2025, 9, 1)

NOT_STATED = "Demonstration text: the source article does not state {what}."
# What the demo states where the source is silent, marked as demonstration data so that the
# demo can pass the same publish checks as every module without inventing a fact.
DEMO_COMMERCIAL_SUPPORT_NOTE = (
    "(Demonstration data: the source article does not say whether the commentary was "
    "supported; this demonstration states that it was not.)"
)
DEMO_DISCLOSURE_NOTE = (
    "Demonstration data: the source article does not state this person's financial "
    "relationships with ineligible companies; this demonstration states none."
)

OBJECTIVES = [
    "State how often nemolizumab-associated cutaneous eruptions occurred in a Japanese "
    "multicenter study and when they typically began.",
    "Recognize the clinical features and the most common initial sites of these eruptions.",
    "Describe how the eruptions were managed and how long they lasted in patients who "
    "continued or discontinued nemolizumab.",
    "Explain why the study could not identify predictive risk factors, and how approved "
    "nemolizumab dosing differs between Japan and the United States.",
]

FACULTY = [
    {
        "name": "Peter Lio",
        "degrees": "MD",
        "affiliation": "Dermatologist\n"
        "Clinical Assistant Professor of Dermatology and Pediatrics\n"
        "Northwestern University School of Medicine\nChicago",
    },
    {
        "name": "Kelly Duong",
        "degrees": "",
        "affiliation": "Medical student\nUniversity of Illinois College of Medicine",
    },
]

# (objective number, kind, stem, [(choice, is_correct)], rationale)
QUESTIONS = [
    (
        1,
        QuestionKind.SINGLE_BEST_ANSWER,
        "In the multicenter retrospective study by Sasaki et al, what proportion of the 219 "
        "patients with atopic dermatitis developed nemolizumab-associated cutaneous "
        "manifestations?",
        [("12.5%", False), ("24.0%", False), ("40.2%", True), ("69.3%", False)],
        "88 of the 219 patients (40.2%) developed nemolizumab-induced cutaneous manifestations "
        "(Background and Study Results; reference 1). 69.3% is the share of eruptions that "
        "were erythema.",
    ),
    (
        1,
        QuestionKind.SINGLE_BEST_ANSWER,
        "When did most nemolizumab-associated eruptions occur in this study?",
        [
            ("Within the first 3 doses", True),
            ("Only after week 16 of treatment", False),
            ("After the sixth dose", False),
            ("After nemolizumab was discontinued", False),
        ],
        "80% of the eruptions occurred within the first 3 doses, which is why the article "
        "advises closer monitoring during the first 3 doses (Background and Study Results; "
        "Comments and Clinical Implications).",
    ),
    (
        2,
        QuestionKind.SINGLE_BEST_ANSWER,
        "Which type of eruption was most commonly reported?",
        [
            ("Erythema", True),
            ("Coin-shaped plaques with exudates", False),
            ("Psoriasis-like lesions", False),
            ("Bullous pemphigoid", False),
        ],
        "Erythema was most commonly reported (69.3%), followed by coin-shaped plaques with "
        "exudates, which arose after the second dose (Background and Study Results).",
    ),
    (
        2,
        QuestionKind.MULTIPLE_RESPONSE,
        "Which of the following were among the most common sites of initial eruptions? "
        "Select all that apply.",
        [
            ("Forearms", True),
            ("Back", True),
            ("Upper arms", True),
            ("Lower legs", True),
            ("Face", False),
            ("Scalp", False),
        ],
        "The most common sites of initial eruptions were the forearms, back, upper arms and "
        "lower legs (Background and Study Results).",
    ),
    (
        3,
        QuestionKind.SINGLE_BEST_ANSWER,
        "Among patients who developed cutaneous symptoms, what proportion were able to continue "
        "nemolizumab with the use of high-potency topical corticosteroids?",
        [("27%", False), ("42%", False), ("58%", True), ("80%", False)],
        "58% continued nemolizumab with high-potency topical corticosteroids, while 42% "
        "discontinued therapy (Background and Study Results).",
    ),
    (
        3,
        QuestionKind.TRUE_FALSE,
        "True or false: median eruption duration was significantly longer in patients who "
        "discontinued nemolizumab (33 days) than in those who continued it (27 days).",
        [("True", False), ("False", True)],
        "False. Median eruption duration did not differ significantly between those who "
        "continued treatment (27 days) and those who discontinued (33 days) (Background and "
        "Study Results).",
    ),
    (
        4,
        QuestionKind.TRUE_FALSE,
        "True or false: baseline disease severity was significantly associated with the risk "
        "of nemolizumab-associated cutaneous eruptions.",
        [("True", False), ("False", True)],
        "False. There was no statistically significant association between eruption risk and "
        "age group, baseline disease severity, prior systemic treatments, type 2 inflammatory "
        "markers, comorbid allergic conditions or prurigo nodularis; the retrospective design "
        "may explain why no predictors were found (Background and Study Results; Comments and "
        "Clinical Implications).",
    ),
    (
        4,
        QuestionKind.SINGLE_BEST_ANSWER,
        "Which regimen does the article give as the approved nemolizumab dosing for atopic "
        "dermatitis in the United States?",
        [
            (
                "60 mg loading dose, then 30 mg every 4 weeks until week 16, after which "
                "every-8-week dosing may be initiated",
                True,
            ),
            ("60 mg every 4 weeks", False),
            ("30 mg every 2 weeks from the first dose", False),
            ("60 mg every 8 weeks from the first dose", False),
        ],
        "US dosing is a 60 mg loading dose followed by 30 mg every 4 weeks until week 16, when "
        "every-8-week dosing may be initiated; Japanese dosing, 60 mg every 4 weeks, is higher "
        "(Comments and Clinical Implications).",
    ),
]


def ensure_ama_credit_type() -> CreditType:
    """The AMA PRA Category 1 Credit™ kind (a standard kind, created if missing)."""
    return standard_kind(AMA_PRA_CATEGORY_1)


# The demo is designated for the whole team, as a jointly accredited provider would: AMA
# credit, ABIM MOC points, ANCC and ACPE contact hours. Demonstration data: the source
# article states no credit, and the UAN below is a made-up number of the right shape.
DEMO_UAN = "JA0000000-0000-25-001-H01-P"
DEMO_PARS_ACTIVITY_ID = "000000001"
DEMO_DESIGNATIONS = [
    (AMA_PRA_CATEGORY_1, {}),
    (MOC_POINTS, {"moc_board": "ABIM", "moc_category": "MK"}),
    (ANCC_CONTACT_HOURS, {}),
    (ACPE_CONTACT_HOURS, {"uan": DEMO_UAN}),
]
DEMO_MAXIMUM = Decimal("0.25")


def ensure_demo_designations(module: Module) -> None:
    """Give the demo module every designation of DEMO_DESIGNATIONS it lacks (a demo loaded
    before credit designations existed gains them too). Idempotent."""
    for code, extra in DEMO_DESIGNATIONS:
        module.credits.get_or_create(
            credit_type=standard_kind(code),
            moc_board=extra.get("moc_board", ""),
            defaults={"max_credits": DEMO_MAXIMUM, **extra},
        )


@transaction.atomic
def load_demo_content() -> tuple[Module, bool]:
    """Create the demo module if it is not there. Returns (module, created); a second run
    finds it and changes nothing."""
    existing = Module.objects.filter(slug=SLUG).first()
    if existing is not None:
        ensure_demo_designations(existing)
        if not existing.pars_activity_id:
            Module.objects.filter(pk=existing.pk).update(pars_activity_id=DEMO_PARS_ACTIVITY_ID)
            existing.refresh_from_db()
        return existing, False

    provider = settings.CME_PROVIDER_NAME
    module = Module.objects.create(
        slug=SLUG,
        title="Nemolizumab-Associated Cutaneous Eruptions in Atopic Dermatitis",
        summary=(
            "A commentary on a 2025 multicenter retrospective study in Japan: how often "
            "eruptions occurred in 219 patients with atopic dermatitis treated with "
            "nemolizumab, when they began, what they looked like, and how they were managed."
        ),
        target_audience=(
            "Dermatologists, allergists and other clinicians who treat patients with atopic "
            "dermatitis"
        ),
        estimated_minutes=15,
        body=(DEMO_DIR / "nemolizumab.md").read_text(encoding="utf-8"),
        # Demonstration data: a made-up PARS activity ID of the right shape.
        pars_activity_id=DEMO_PARS_ACTIVITY_ID,
        accreditation_statement=(
            accreditation_statement(provider=provider, jointly_accredited=True)
            + " (Demonstration text: this site is a demonstration, not an accredited provider.)"
        ),
        commercial_support=CommercialSupport.NONE,
        commercial_support_statement=DEMO_COMMERCIAL_SUPPORT_NOTE,
        release_date=RELEASE_DATE,
        expiration_date=RELEASE_DATE.replace(year=RELEASE_DATE.year + 3),
        last_reviewed_date=RELEASE_DATE,
        status=ModuleStatus.DRAFT,
        is_demo=True,
    )
    for name in ("Dermatology", "Atopic dermatitis", "Drug safety"):
        topic, _ = Topic.objects.get_or_create(
            slug=name.lower().replace(" ", "-"), defaults={"name": name}
        )
        module.topics.add(topic)

    objectives = [
        module.objectives.create(position=i, text=text)
        for i, text in enumerate(OBJECTIVES, start=1)
    ]

    lines = (DEMO_DIR / "references.txt").read_text(encoding="utf-8").splitlines()
    for i, line in enumerate(filter(None, lines), start=1):
        citation, doi, url = split_citation(line)
        module.references.create(position=i, citation=citation, doi=doi, url=url)

    for i, person in enumerate(FACULTY, start=1):
        module.faculty.create(
            position=i,
            role=FacultyRole.AUTHOR,
            disclosure_status=DisclosureStatus.NONE,
            disclosure_note=DEMO_DISCLOSURE_NOTE,
            **person,
        )

    ensure_demo_designations(module)

    post_test = PostTest.objects.create(module=module, shuffle_choices=True)
    for position, (objective_number, kind, stem, choices, rationale) in enumerate(
        QUESTIONS, start=1
    ):
        add_question(
            post_test,
            objective=objectives[objective_number - 1],
            kind=kind,
            stem=stem,
            rationale=rationale,
            choices=choices,
            position=position,
        )
    # Published through the same checks as every module: a demo that could not pass them
    # fails loudly here instead of showing learners an incomplete activity.
    return publish_module(module, by=None), True
