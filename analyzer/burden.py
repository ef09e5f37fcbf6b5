"""Citizen burden by the Standard Cost Model: time per question × questions × applications.

cost = price × quantity = (tariff × time per question) × (applications per year). There is no
official Danish tariff for citizens' time, so the seconds per question and the tariff are
explicit, configurable assumptions, returned with every figure (docs/metrics.md).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

#: seconds to read and answer one question, by fact type (askless defaults; an assumption)
DEFAULT_SECONDS = {"bool": 10.0, "choice": 15.0, "int": 20.0, "number": 30.0, "money": 45.0,
                   "date": 20.0, "text": 45.0}
#: DKK per hour of a citizen's time (an assumption; pass your own with --tariff)
DEFAULT_TARIFF = 200.0


@dataclass(frozen=True)
class Assumptions:
    seconds: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_SECONDS))
    tariff_dkk_per_hour: float = DEFAULT_TARIFF
    seconds_source: str = ("askless defaults (time to read and answer one question, by type); "
                           "not an official standard")
    tariff_source: str = "assumption: no official Danish tariff for citizens' time exists; set --tariff"

    def seconds_for(self, fact_type: str) -> float:
        return self.seconds.get(fact_type or "text", self.seconds.get("text", 45.0))

    def to_dict(self) -> dict:
        return asdict(self)


def burden(expected_seconds: float, applications_per_year: float | None, a: Assumptions) -> dict:
    """Hours and DKK a year for an expected time per application (seconds)."""
    if applications_per_year is None:
        return {"seconds_per_application": round(expected_seconds, 1), "hours_per_year": None,
                "dkk_per_year": None, "note": "the rule file declares no volume (applications_per_year)"}
    hours = expected_seconds * applications_per_year / 3600
    return {"seconds_per_application": round(expected_seconds, 1), "hours_per_year": round(hours, 1),
            "dkk_per_year": round(hours * a.tariff_dkk_per_hour)}
