from . import revshare_statement_report
