"""People's rights over their data: their copy (``exports``), legal holds (``holds``) and the retention schedule (``retention``)."""

from .erasure_requests import erasure_request_decide as erasure_request_decide
from .erasure_requests import erasure_request_open as erasure_request_open
from .erasure_requests import erasure_request_withdraw as erasure_request_withdraw
from .exports import (
    data_export_download as data_export_download,
)
from .exports import (
    data_export_prepare as data_export_prepare,
)
from .exports import (
    data_export_request as data_export_request,
)
from .exports import (
    data_exports_sweep as data_exports_sweep,
)
from .holds import legal_hold_place as legal_hold_place
from .holds import legal_hold_release as legal_hold_release
from .retention import retention_apply as retention_apply
