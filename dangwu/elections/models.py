"""Tables of the elections app. The democratic evaluation of members (民主评议党员) lives in
`evaluation_models.py` (imported here so that Django finds it; `AuditAction` is the evaluation's
until the elections add theirs — then one enum here must hold both, see decision 0032)."""

from .evaluation_models import (  # noqa: F401
    AuditAction,
    Evaluation,
    EvaluationEntry,
    Grade,
    Measure,
    Rating,
    RatingRoll,
)
