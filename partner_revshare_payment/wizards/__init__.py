from . import revshare_check
