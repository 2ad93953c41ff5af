from . import revshare_settlement_run
from . import revshare_settlement_run_line
