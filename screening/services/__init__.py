"""The screening app's services: importing the lists (``lists``), screening people and labs
against them (``subjects``), and operations' four-eyes review of possible matches (``reviews``)."""

from .lists import (
    SanctionsFiles as SanctionsFiles,
)
from .lists import (
    SanctionsImport as SanctionsImport,
)
from .lists import (
    sanctions_files_parse as sanctions_files_parse,
)
from .lists import (
    sanctions_list_import as sanctions_list_import,
)
from .lists import (
    sanctions_list_import_failed as sanctions_list_import_failed,
)
from .reviews import screening_review_propose as screening_review_propose
from .reviews import screening_review_second as screening_review_second
from .subjects import screening_before_payout as screening_before_payout
from .subjects import screening_rescreen_all as screening_rescreen_all
from .subjects import screening_subject_refusal as screening_subject_refusal
from .subjects import screening_subject_update as screening_subject_update
from .subjects import screening_subjects_screen as screening_subjects_screen
