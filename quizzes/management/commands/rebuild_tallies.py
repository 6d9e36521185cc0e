from django.core.management.base import BaseCommand, CommandError

from quizzes.models import PostTest
from quizzes.tallies import fold_backlog, rebuild_tallies


class Command(BaseCommand):
    help = (
        "Rebuild the item-analysis tallies of the given post-tests (or of every post-test "
        "with --all) from their attempts' rows, each post-test in one transaction; with "
        "--fold, only add the graded attempts not yet tallied (what Celery beat does every "
        "minute), e.g. once after deploying the tallies."
    )

    def add_arguments(self, parser):
        parser.add_argument("post_test_ids", nargs="*", type=int, metavar="POST_TEST_ID")
        parser.add_argument("--all", dest="every", action="store_true", help="Every post-test.")
        parser.add_argument(
            "--fold", action="store_true", help="Fold the untallied backlog instead."
        )

    def handle(self, *args, post_test_ids, every, fold, **options):
        if fold:
            if post_test_ids or every:
                raise CommandError("--fold takes no post-test: it folds every one's backlog.")
            count = fold_backlog()
            self.stdout.write(f"Folded {count} graded attempt{'s' if count != 1 else ''}.")
            return
        if every == bool(post_test_ids):
            raise CommandError("Name the post-tests to rebuild, or give --all.")
        post_tests = PostTest.objects.order_by("pk")
        if not every:
            post_tests = post_tests.filter(pk__in=post_test_ids)
            missing = set(post_test_ids) - set(post_tests.values_list("pk", flat=True))
            if missing:
                raise CommandError(f"No post-test with id {', '.join(map(str, sorted(missing)))}.")
        for post_test in post_tests:
            count = rebuild_tallies(post_test)
            self.stdout.write(
                f"Post-test {post_test.pk}: tallies rebuilt from "
                f"{count} graded attempt{'s' if count != 1 else ''}."
            )
