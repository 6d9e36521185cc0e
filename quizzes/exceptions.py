"""Why a post-test action was refused, in words a learner can read."""


class PostTestError(Exception):
    """Base class: the message is shown to the learner as it is."""


class PostTestClosed(PostTestError):
    pass


class DisclosuresNotShown(PostTestError):
    pass


class AlreadyPassed(PostTestError):
    pass


class NoAttemptsLeft(PostTestError):
    pass


class InvalidAnswers(PostTestError):
    """Answers that name choices the items do not have: a forged or stale form."""


class IncompleteAnswers(PostTestError):
    def __init__(self, missing_item_ids: list[int]):
        self.missing_item_ids = missing_item_ids
        count = len(missing_item_ids)
        super().__init__(
            f"Please answer every question: {count} question{'s' if count != 1 else ''} "
            f"{'are' if count != 1 else 'is'} unanswered."
        )


class GrantRefused(PostTestError):
    pass


class AttemptAlreadySubmitted(PostTestError):
    """An answer saved after its attempt was submitted: the attempt is graded, and nothing
    changes it any more."""


class AttemptTooSoon(PostTestError):
    """The post-test's delay between attempts has not yet passed; `allowed_at` is when it
    does (aware, in the learner's time zone)."""

    def __init__(self, message: str, *, allowed_at):
        self.allowed_at = allowed_at
        super().__init__(message)


class PostTestSettingsRefused(PostTestError):
    """Post-test settings the author area cannot save as given (a published or archived
    module, a value out of range); nothing was saved. The message says what to change."""
