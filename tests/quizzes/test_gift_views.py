import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from quizzes.models import Question

pytestmark = pytest.mark.django_db


def upload(text: str | bytes, name="questions.gift.txt"):
    return SimpleUploadedFile(name, text.encode() if isinstance(text, str) else text)


def test_an_author_exports_and_imports_questions_as_gift(client, course_author, post_test):
    client.force_login(course_author)
    exported = client.get(reverse("quizzes:gift_export", args=[post_test.module.slug]))
    before = Question.objects.count()

    url = reverse("quizzes:gift_import", args=[post_test.module.slug])

    preview = client.post(url, {"file": upload(exported.content)})

    assert exported["Content-Disposition"].endswith('.gift.txt"')
    assert "Check before importing: 5 questions" in preview.content.decode()
    assert Question.objects.count() == before  # nothing yet: the author confirms first

    response = client.post(url, {"token": preview.context["confirm"]["token"].value()}, follow=True)

    assert "Imported 5 questions." in response.content.decode()
    assert Question.objects.count() == before + 5


def test_a_confirmation_that_was_tampered_with_imports_nothing(client, course_author, post_test):
    client.force_login(course_author)
    url = reverse("quizzes:gift_import", args=[post_test.module.slug])
    objective = post_test.module.objectives.get()
    preview = client.post(url, {"file": upload("Sky {T####r}"), "default_objective": objective.pk})
    token = preview.context["confirm"]["token"].value()
    before = Question.objects.count()

    response = client.post(url, {"token": token[:-3] + "AAA"}, follow=True)

    assert "This preview could not be read; upload the file again." in response.content.decode()
    assert Question.objects.count() == before


def test_a_confirmation_for_another_post_test_imports_nothing(client, course_author, post_test):
    from tests.factories import post_test_with_questions

    other = post_test_with_questions(1)
    client.force_login(course_author)
    preview = client.post(
        reverse("quizzes:gift_import", args=[other.module.slug]),
        {"file": upload("Sky {T####r}"), "default_objective": other.module.objectives.get().pk},
    )
    before = Question.objects.count()

    response = client.post(
        reverse("quizzes:gift_import", args=[post_test.module.slug]),
        {"token": preview.context["confirm"]["token"].value()},
        follow=True,
    )

    assert "This preview belongs to another post-test." in response.content.decode()
    assert Question.objects.count() == before


def test_the_import_report_lists_questions_that_need_a_rationale(client, course_author, post_test):
    client.force_login(course_author)

    preview = client.post(
        reverse("quizzes:gift_import", args=[post_test.module.slug]),
        {
            "file": upload("::Q:: Is the sky blue? {T}"),
            "default_objective": post_test.module.objectives.get().pk,
        },
    )

    assert (
        "Line 1: no rationale (general feedback after ####): imported as needing one; the "
        "module cannot be published until an author writes it."
    ) in preview.content.decode()


def test_a_file_with_errors_is_refused_whole_with_line_numbers(client, course_author, post_test):
    client.force_login(course_author)
    objective = post_test.module.objectives.get()
    before = Question.objects.count()
    text = (
        "::Good:: Which? { =Yes ~No ~Maybe ####Because. }\n"
        "\n"
        "::Bad:: Which two? { =Yes =No ~Maybe ####Because. }\n"
    )

    response = client.post(
        reverse("quizzes:gift_import", args=[post_test.module.slug]),
        {"file": upload(text), "default_objective": objective.pk},
    )

    html = response.content.decode()
    assert "Nothing was imported." in html
    assert "Line 3:" in html
    assert Question.objects.count() == before


def test_an_oversized_file_is_refused_with_a_message(client, course_author, post_test):
    client.force_login(course_author)

    response = client.post(
        reverse("quizzes:gift_import", args=[post_test.module.slug]),
        {"file": upload(b"x" * (1024 * 1024 + 1))},
    )

    assert "The file is larger than 1 MiB." in response.content.decode()


def test_learners_cannot_import_or_export(client, learner, post_test):
    client.force_login(learner)

    for name in ("quizzes:gift_export", "quizzes:gift_import"):
        assert client.get(reverse(name, args=[post_test.module.slug])).status_code == 403


def test_a_file_with_too_many_questions_is_refused_with_the_cap_and_the_count(
    client, course_author, post_test
):
    client.force_login(course_author)
    before = Question.objects.count()
    text = "".join(f"::Q{n}:: Statement {n} {{T####r}}\n\n" for n in range(600))

    response = client.post(
        reverse("quizzes:gift_import", args=[post_test.module.slug]),
        {"file": upload(text), "default_objective": post_test.module.objectives.get().pk},
    )

    html = response.content.decode()
    assert "Nothing was imported." in html
    assert (
        "The file has 600 questions; one import takes at most 500. Split it into files of 500 "
        "questions or fewer and import each."
    ) in html
    assert Question.objects.count() == before
