# Amounts in mainland China are grouped by thousands with a comma: 73,000,000
# (Django's "zh_Hans" groups by ten thousand with no separator at all).
THOUSAND_SEPARATOR = ","
DECIMAL_SEPARATOR = "."
NUMBER_GROUPING = 3
