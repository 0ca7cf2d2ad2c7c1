from .application import (  # noqa: F401
    AFTER_SCORING,
    BEFORE_EXPERT_REVIEW,
    DATA_FIELDS,
    STAGE_STATE,
    Application,
    ApplicationRevision,
    Attachment,
    Decision,
    Stage,
    State,
)
from .batch import Batch, BatchQuota  # noqa: F401
