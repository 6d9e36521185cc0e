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


class CertificateCannotBePrinted(Exception):
    """Rendering would print a character no installed font has (an empty box instead of a
    letter of the learner's name). `characters` lists each one as "中 (U+4E2D)"."""

    def __init__(self, characters: list[str]):
        self.characters = characters
        super().__init__(
            "No installed font has these characters, so the certificate would print empty "
            f"boxes: {', '.join(characters)}. Install a font for them (see bin/_common.sh), "
            "then print it again."
        )
