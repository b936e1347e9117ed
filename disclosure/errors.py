"""Errors that name where in a document they are, shared by the layers that read documents."""

from dataclasses import dataclass


def json_path(parts):
    """['incidents', 0, 'events', 3, 'at'] -> 'incidents[0].events[3].at'."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


@dataclass(frozen=True)
class Problem:
    path: str
    message: str

    def __str__(self):
        return f"{self.path}: {self.message}" if self.path else self.message


class LocatedError(ValueError):
    """A document was refused; `problems` lists every error with its JSON path (the API answers 400 with them)."""

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))
