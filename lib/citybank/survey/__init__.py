"""The residents' survey engine: read the CATI .sav and the LimeSurvey CAWI export, harmonise them through
``params/survey.yml`` into one long response table, check them, weight, estimate and publish tables that pass
disclosure control. ``svy`` (pinned exactly) is used only through ``citybank.survey.svyadapter``. The build stage is
``citybank.survey.store`` (imported on its own: importing the package does not load svy).
"""

from __future__ import annotations

from .inputs import CHECKS, Problem, SurveyData, load_survey_data, read_structure

__all__ = [
    "CHECKS",
    "Problem",
    "SurveyData",
    "load_survey_data",
    "read_structure",
]
