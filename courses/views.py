from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render

from certificates.queries import CREDIT_CLAIMED, claimed_module_ids
from courses.disclosures import disclosure_summary, record_disclosures_shown
from courses.queries import CATALOG_PAGE_SIZE, catalog_modules, catalog_topics, module_page_queryset
from quizzes.queries import standing_on, standings_by_module


def catalog(request):
    search = request.GET.get("q", "").strip()[:100]
    topic = request.GET.get("topic", "").strip()[:80]
    paginator = Paginator(catalog_modules(search=search, topic=topic), CATALOG_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    if request.user.is_authenticated:
        post_tests = [m.post_test for m in page if hasattr(m, "post_test")]
        standings = standings_by_module(request.user, post_tests)
        claimed = claimed_module_ids(request.user, [m.pk for m in page])
        for module in page:
            if module.pk in claimed:
                module.learner_status = CREDIT_CLAIMED
            elif module.pk in standings:
                module.learner_status = standings[module.pk].status
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
    try:
        module = module_page_queryset().get(slug=slug)
    except module_page_queryset().model.DoesNotExist as exc:
        raise Http404("No such module.") from exc

    is_preview = not module.is_published
    if is_preview and not request.user.has_perm("courses.preview_module"):
        raise Http404("No such module.")

    if request.user.is_authenticated and not is_preview:
        record_disclosures_shown(request.user, module=module)

    post_test = getattr(module, "post_test", None)
    return render(
        request,
        "courses/module_detail.html",
        {
            "module": module,
            "is_preview": is_preview,
            "post_test": post_test,
            "standing": standing_on(request.user, post_test) if post_test else None,
            "has_claimed": request.user.is_authenticated
            and bool(claimed_module_ids(request.user, [module.pk])),
            "is_expired": module.is_expired(),
            "disclosure_summary": disclosure_summary(module.faculty.all()),
        },
    )
