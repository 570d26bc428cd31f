"""The payouts app's models, one module per part of the money path, re-exported here so
that ``payouts.models.X`` (and the migrations) keep one name for each model."""

from .gateway import StripeEvent as StripeEvent
from .gateway import StripeEventStatus as StripeEventStatus
from .ledger import AccountKind as AccountKind
from .ledger import JournalEntry as JournalEntry
from .ledger import JournalKind as JournalKind
from .ledger import LedgerAccount as LedgerAccount
from .ledger import Posting as Posting
from .payruns import PayLine as PayLine
from .payruns import PayLineKind as PayLineKind
from .payruns import PayRecompute as PayRecompute
from .payruns import PayRun as PayRun
from .payruns import PayRunStatus as PayRunStatus
from .payruns import PayStatement as PayStatement
from .reference import AveragingUnit as AveragingUnit
from .reference import FxOrigin as FxOrigin
from .reference import FxRate as FxRate
from .reference import MinimumWage as MinimumWage
from .reference import RateCard as RateCard
from .reference_changes import MINIMUM_WAGE_KINDS as MINIMUM_WAGE_KINDS
from .reference_changes import NEW_MINIMUM_WAGE_KINDS as NEW_MINIMUM_WAGE_KINDS
from .reference_changes import REFERENCE_TEXT_MAX as REFERENCE_TEXT_MAX
from .reference_changes import ReferenceChange as ReferenceChange
from .reference_changes import ReferenceChangeKind as ReferenceChangeKind
from .reference_changes import ReferenceChangeStatus as ReferenceChangeStatus
from .transfers import LIVE_PAYOUT_STATUSES as LIVE_PAYOUT_STATUSES
from .transfers import Payout as Payout
from .transfers import PayoutAccount as PayoutAccount
from .transfers import PayoutBatch as PayoutBatch
from .transfers import PayoutBatchStatus as PayoutBatchStatus
from .transfers import PayoutHold as PayoutHold
from .transfers import PayoutHoldReason as PayoutHoldReason
from .transfers import PayoutStatus as PayoutStatus
from .weeks import PayPeriod as PayPeriod
from .weeks import PayPeriodStatus as PayPeriodStatus
