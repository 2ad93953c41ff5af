from . import test_revshare_compute
from . import test_views_demo
from . import test_portal
from . import test_settlement
