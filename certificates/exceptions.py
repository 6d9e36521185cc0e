"""Why an evaluation, a claim or a certificate action was refused, in readable words."""


class CreditError(Exception):
    """Base class: the message is shown to the user as it is."""


class NotEligible(CreditError):
    pass


class AlreadyDone(CreditError):
    pass


class InvalidAmount(CreditError):
    pass


class CertificateActionRefused(CreditError):
    pass
