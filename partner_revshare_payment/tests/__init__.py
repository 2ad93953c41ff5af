from . import test_payment_earning
from . import test_payment_currency_company
