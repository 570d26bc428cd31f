"""The identity app's services, one module per process, re-exported here."""

from identity.services.cases import (
    account_case_answer as account_case_answer,
)
from identity.services.cases import (
    account_case_decide as account_case_decide,
)
from identity.services.cases import (
    account_case_open_duplicate as account_case_open_duplicate,
)
from identity.services.duplicates import (
    duplicate_check_bank_account as duplicate_check_bank_account,
)
from identity.services.duplicates import (
    duplicate_check_document as duplicate_check_document,
)
from identity.services.duplicates import (
    duplicate_check_tin as duplicate_check_tin,
)
from identity.services.verifications import (
    identity_verification_start as identity_verification_start,
)
from identity.services.verifications import (
    identity_verification_sync as identity_verification_sync,
)
