from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, render

from accounts.timezones import learner_time_zone, learner_today
from courses.disclosure_collection import module_disclosures
from courses.disclosures import disclosure_summary, record_disclosures_shown
from courses.learner_status import catalog_statuses, module_page_context
from courses.lifecycle import modules_due, review_due_date
from courses.models import Module
from courses.publishing import publication_problems
from courses.queries import CATALOG_PAGE_SIZE, catalog_modules, catalog_topics, module_page_queryset
from courses.reviews import latest_review


def catalog(request):
    search = request.GET.get("q", "").strip()[:100]
    topic = request.GET.get("topic", "").strip()[:80]
    modules = catalog_modules(search=search, topic=topic, today=learner_today(request.user))
    paginator = Paginator(modules, CATALOG_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    if request.user.is_authenticated:
        statuses = catalog_statuses(request.user, list(page))
        for module in page:
            if module.pk in statuses:
                module.learner_status = statuses[module.pk]
    return render(
        request,
        "courses/module_list.html",
        {
            "page": page,
            "modules": page.object_list,
            "topics": catalog_topics(),
            "search": search,
            "topic": topic,
        },
    )


def module_detail(request, slug):
    module = get_object_or_404(module_page_queryset(), slug=slug)

    is_preview = not module.is_published
    if is_preview and not request.user.has_perm("courses.preview_module"):
        raise Http404("No such module.")

    if request.user.is_authenticated and not is_preview:
        record_disclosures_shown(request.user, module=module)

    return render(
        request,
        "courses/module_detail.html",
        {
            "module": module,
            "is_preview": is_preview,
            # "post_test", "standing" (quizzes), "has_claimed", "credit_status" (certificates)
            **module_page_context(request.user, module),
            "is_expired": module.is_expired(learner_today(request.user)),
            "time_zone": learner_time_zone(request.user),
            "disclosure_summary": disclosure_summary(module.faculty.all()),
        },
    )


# The author area -----------------------------------------------------------------


@permission_required("courses.view_module", raise_exception=True)
def author_modules(request):
    modules = Module.objects.select_related("post_test").order_by("status", "title")
    return render(
        request,
        "courses/module_author_list.html",
        {"modules": modules, "due": modules_due()},
    )


@permission_required("courses.view_module", raise_exception=True)
def author_module(request, slug):
    module = get_object_or_404(module_page_queryset(), slug=slug)
    post_test = getattr(module, "post_test", None)
    questions = []
    if post_test is not None:
        questions = post_test.questions.select_related("current_version", "objective").order_by(
            "position"
        )
    return render(
        request,
        "courses/module_author_detail.html",
        {
            "module": module,
            "post_test": post_test,
            "questions": questions,
            "problems": publication_problems(module) if not module.is_published else [],
            "review_due": review_due_date(module),
            "can_publish": request.user.has_perm("courses.publish_module"),
            "can_restore": request.user.has_perm("courses.restore_module"),
            "review": latest_review(module),
            "disclosures": module_disclosures(module),
        },
    )
