from . import revshare_settlement_run
from . import revshare_settlement_run_line
from . import revshare_check
from . import revshare_check_mismatch
