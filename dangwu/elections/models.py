"""Tables of the elections app. The democratic evaluation of members (民主评议党员) lives in
`evaluation_models.py` (imported here so that Django finds it)."""

from .evaluation_models import (  # noqa: F401
    Evaluation,
    EvaluationAction,
    EvaluationEntry,
    Grade,
    Measure,
    Rating,
    RatingRoll,
)
