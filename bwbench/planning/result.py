"""What a planner returns: an optimal plan with what is known of its count, an optimum, or no plan."""

from __future__ import annotations

from dataclasses import dataclass

from ..world.state import Action

COUNT_CAP = 3
"""Beyond what the searches count for free, optimal plans are counted up to this: one, two, or "three or more"."""


@dataclass(frozen=True)
class PlanResult:
    """An optimal plan and what is known about it (``n_optimal`` is None when not counted).

    ``capped``: counting stopped at ``n_optimal``, so there are at least that many optimal plans.
    """

    plan: tuple[Action, ...]
    n_optimal: int | None
    planner: str
    capped: bool = False

    @property
    def length(self) -> int:
        return len(self.plan)

    @property
    def n_optimal_plans(self) -> int | None:
        """The number a record states: the exact count, or None where it was not counted to the end."""
        return None if self.capped else self.n_optimal

    def describe_count(self) -> str | None:
        """``"1 optimal plan"``, ``"3 or more optimal plans"``; None when not counted."""
        if self.n_optimal is None:
            return None
        n = self.n_optimal
        return f"{n}{' or more' if self.capped else ''} optimal plan{'' if n == 1 and not self.capped else 's'}"


@dataclass(frozen=True)
class Optimum:
    """An optimal plan's number of steps, and how many optimal plans there are (at least ``n_optimal`` if ``capped``)."""

    length: int
    n_optimal: int
    capped: bool = False


class Unsolvable(ValueError):
    """No plan (or none within the length bound that was asked for)."""
