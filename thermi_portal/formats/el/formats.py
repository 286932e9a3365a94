"""Greek pages write the time as every Greek paper and the printed notice do, on the 24-hour clock:
23:58, never «11:58 μμ.» (Django's Greek default). The rest is Django's Greek."""

TIME_FORMAT = "H:i"
DATETIME_FORMAT = "d/m/Y H:i"
SHORT_DATETIME_FORMAT = "d/m/Y H:i"
