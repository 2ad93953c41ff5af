from . import revshare_check
from . import account_payment_register
