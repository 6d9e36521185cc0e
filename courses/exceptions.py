"""Why a module action was refused, in words an author can read."""


class PublishRefused(Exception):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("This module cannot be published yet: " + " ".join(problems))


class ModuleActionRefused(Exception):
    pass
