"""Extension points for what the apps above accounts hold about a learner.

The learner's personal-data download (accounts.personal_data) and the administrators'
learner record (accounts.queries.learner_record) gather data that courses, quizzes and
certificates own. Accounts does not import those apps: each registers the sections it
owns, from its `AppConfig.ready()`, and the rule that shapes a section stays in its app
(e.g. quizzes' review policy decides what the attempts section shows).

Sections keep the order in which they were first registered; apps are made ready in the
order of INSTALLED_APPS (courses, quizzes, certificates), which is the order of the keys in
the download and on the page. Registering a name again replaces its function in place.
"""

from collections.abc import Callable
from typing import Any

from accounts.models import User

Section = Callable[[User], Any]

_personal_data_sections: dict[str, Section] = {}
_learner_record_sections: dict[str, Section] = {}


def register_personal_data_section(name: str, section: Section) -> None:
    """Add `name` to the learner's personal-data download.

    `section(user)` receives the learner (accounts.models.User) and returns JSON-ready data
    (lists, dicts, strings, numbers, None; dates as ISO strings), stored under `name`.
    Filled by courses ("disclosures_shown"), quizzes ("post_tests") and certificates
    ("evaluations", "certificates").
    """
    _personal_data_sections[name] = section


def register_learner_record_section(name: str, section: Section) -> None:
    """Add `name` to the learner record that CME administrators see
    (templates/accounts/learner_detail.html reads it by that name).

    `section(user)` receives the learner and returns what the page shows (usually a list of
    model instances, fetched with what the page follows). Filled by quizzes
    ("participations") and certificates ("evaluations", "certificates").
    """
    _learner_record_sections[name] = section


def personal_data_sections(user: User) -> dict[str, Any]:
    """Every registered personal-data section of `user`, by name, in registration order."""
    return {name: section(user) for name, section in _personal_data_sections.items()}


def learner_record_sections(user: User) -> dict[str, Any]:
    """Every registered learner-record section of `user`, by name, in registration order."""
    return {name: section(user) for name, section in _learner_record_sections.items()}
