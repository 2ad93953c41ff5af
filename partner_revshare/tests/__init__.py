from . import test_revshare_compute
from . import test_revshare_accounting
from . import test_revshare_constraints
from . import test_revshare_security
from . import test_revshare_performance
from . import test_views_demo
from . import test_portal
from . import test_settlement
