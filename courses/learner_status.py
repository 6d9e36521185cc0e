"""Extension points for the learner's status on the catalog and the module page.

Courses shows modules; whether the learner has passed a module's post-test (quizzes) or
claimed its credit (certificates) is known only to the apps above. They register
providers here from their `AppConfig.ready()`, and courses.views asks for them without
importing those apps.
"""

from collections.abc import Callable
from typing import Any

from courses.models import Module

CatalogStatus = Callable[[Any, list[Module]], dict[int, Any]]
ModulePageContext = Callable[[Any, Module], dict[str, Any]]

_catalog_statuses: list[CatalogStatus] = []
_module_page_contexts: list[ModulePageContext] = []


def register_catalog_status(provider: CatalogStatus) -> None:
    """Add a provider of the status badges on the catalog's modules.

    `provider(learner, modules)` receives the logged-in learner and the modules of one
    catalog page, and returns {module pk: badge} for the modules it has something to say
    about, a badge having a `label` and a Bootstrap colour `style`
    (quizzes.queries.StatusBadge); it should cost a fixed number of queries per page. A
    later provider's badge replaces an earlier one's for the same module; apps register
    in INSTALLED_APPS order, so certificates' credit status (claimed, revoked) outranks
    quizzes' standing on the post-test. Registering the same provider twice keeps one.
    """
    if provider not in _catalog_statuses:
        _catalog_statuses.append(provider)


def register_module_page_context(provider: ModulePageContext) -> None:
    """Add a provider of context for the module page (templates/courses/module_detail.html).

    `provider(user, module)` receives the visitor (possibly anonymous) and the Module, and
    returns the context names it owns with their values; quizzes gives "post_test" and
    "standing", certificates "has_claimed" and "credit_status". Registering the same
    provider twice keeps one.
    """
    if provider not in _module_page_contexts:
        _module_page_contexts.append(provider)


def catalog_statuses(learner, modules: list[Module]) -> dict[int, Any]:
    """{module pk: badge} for these modules, from every registered provider (see
    `register_catalog_status` for which wins)."""
    statuses = {}
    for provider in _catalog_statuses:
        statuses.update(provider(learner, modules))
    return statuses


def module_page_context(user, module: Module) -> dict[str, Any]:
    """The module page's context from every registered provider, merged."""
    context = {}
    for provider in _module_page_contexts:
        context.update(provider(user, module))
    return context
