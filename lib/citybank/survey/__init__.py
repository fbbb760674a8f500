"""The residents' survey engine: read the CATI .sav and the LimeSurvey CAWI export, harmonise them through
``params/survey.yml`` into one long response table, check them, weight, estimate and publish tables that pass
disclosure control. ``svy`` (pinned exactly) is used only through ``citybank.survey.svyadapter``.
"""

from __future__ import annotations

from .inputs import CHECKS, Problem, SurveyData, load_survey_data, read_structure
from .store import SurveyRun, clear_results, compute_all, results

__all__ = [
    "CHECKS",
    "Problem",
    "SurveyData",
    "SurveyRun",
    "clear_results",
    "compute_all",
    "load_survey_data",
    "read_structure",
    "results",
]
