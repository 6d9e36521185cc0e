"""Why a change to a delivery was refused, in words an administrator (or a learner) can read."""


class ReportingError(Exception):
    """Base class: the message is shown to the user as it is."""


class DeliveryRefused(ReportingError):
    """A transition a delivery in its present status cannot make (e.g. refreshing a record
    the registry already accepted), or input it cannot take (a rejection without a reason)."""
