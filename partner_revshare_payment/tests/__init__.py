from . import test_payment_earning
