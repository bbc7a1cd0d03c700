# Vietnamese groups thousands with a dot and writes decimals with a comma: 73.000.000,5
# (Django's "vi" sets NUMBER_GROUPING = 0, i.e. no grouping at all).
THOUSAND_SEPARATOR = "."
DECIMAL_SEPARATOR = ","
NUMBER_GROUPING = 3
