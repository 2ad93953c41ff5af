from . import test_revshare_compute
