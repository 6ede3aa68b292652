"""One exception for bad input, whose message names the field, what was expected and what came.

Every public function and the command line report a user's mistake through :class:`InputError`;
the command line prints its message (no traceback) and exits with status 2.
"""

from __future__ import annotations

from collections.abc import Iterable


def _show(value: object) -> str:
    """``repr(value)`` on one line, cut to 80 characters."""
    text = " ".join(repr(value).split())
    return text if len(text) <= 80 else text[:77] + "..."


def entries(n: int) -> str:
    """``"1 entry"`` or ``"n entries"``, for a message's count of a list's items.

    >>> entries(1), entries(3)
    ('1 entry', '3 entries')
    """
    return f"{n} {'entry' if n == 1 else 'entries'}"


def one_of(names: Iterable[str]) -> str:
    """``"one of 'a', 'b'"`` for a message's 'expected' part."""
    return "one of " + ", ".join(repr(n) for n in names)


class InputError(ValueError):
    """Bad input: ``field`` expected ``expected`` but got ``given``.

    Examples
    --------
    >>> raise InputError("eta", "a number > 0", -0.5)
    Traceback (most recent call last):
    ...
    backprop_ref.errors.InputError: eta: expected a number > 0, got -0.5
    """

    def __init__(self, field: str, expected: str, given: object, *, shown: str | None = None) -> None:
        self.field, self.expected = field, expected
        self.given = given
        super().__init__(f"{field}: expected {expected}, got {shown if shown is not None else _show(given)}")


def diverged(eta: float, what: str) -> InputError:
    """The error for a run whose learning rate ``eta`` took ``what`` past float64 (inf or NaN).

    Examples
    --------
    >>> err = diverged(1e300, "the cost to inf at step 1")
    >>> err.field, err.expected
    ('eta', 'a learning rate small enough for the run to stay finite')
    >>> str(err).split(", got ")[1]
    '1e+300, which took the cost to inf at step 1 (the run diverged)'
    """
    shown = f"{eta:g}, which took {what} (the run diverged)"
    return InputError("eta", "a learning rate small enough for the run to stay finite", eta, shown=shown)
