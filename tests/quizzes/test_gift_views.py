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

    response = client.post(
        reverse("quizzes:gift_import", args=[post_test.module.slug]),
        {"file": upload(exported.content)},
        follow=True,
    )

    assert exported["Content-Disposition"].endswith('.gift.txt"')
    assert "Imported 5 questions." in response.content.decode()
    assert Question.objects.count() == before + 5


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
