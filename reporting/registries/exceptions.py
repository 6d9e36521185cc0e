"""What can go wrong when files and records go to a registry or come back from one.

Every message is meant for the CME administrator who uploaded or sent them."""

from reporting.exceptions import ReportingError


class RegistryError(ReportingError):
    """Base class of the registries' errors."""


class ResultsFileRefused(RegistryError):
    """A results file that was not applied at all. `problems` lists every reason, each a
    sentence (with its line number when it concerns one line)."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__(" ".join(self.problems))


class RegistryUnavailable(RegistryError):
    """The registry's web service did not answer usefully (connection refused, timeout,
    a server error, or a refusal of the whole request): nothing was marked sent."""
