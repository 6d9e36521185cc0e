"""Why a module action was refused, in words an author can read."""


class PublishRefused(Exception):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("This module cannot be published yet: " + " ".join(problems))


class ModuleActionRefused(Exception):
    pass


class AuthoringRefused(Exception):
    """An edit the module editor cannot make, e.g. a designation of a published module."""


class ReviewRefused(Exception):
    """A review step that cannot be taken, e.g. approving one's own submission."""


class RecordIsImmutable(Exception):
    """A record kept for the accreditor (a signed disclosure, its relationships, a planner's
    review) was about to be changed or deleted: such records are only ever added."""


class DisclosureLinkRefused(Exception):
    """A disclosure link that cannot be used: tampered with, expired, or replaced by a newer
    one. The message tells the person what to do."""


class DisclosureRefused(Exception):
    """A disclosure, invitation or review that cannot be recorded as given; nothing was
    saved. The message says what to change."""
