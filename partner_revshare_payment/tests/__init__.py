from . import test_payment_earning
from . import test_payment_default_config
from . import test_payment_currency_company
from . import test_payment_query_count
from . import test_payment_gateway
from . import test_payment_property
from . import test_payment_concurrency
from . import test_payment_check
