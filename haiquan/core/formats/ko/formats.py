# Korean writes short dates as 2026. 12. 07. (KS X ISO 8601 in everyday use), not 2026-12-7.
SHORT_DATE_FORMAT = "Y. m. d."
SHORT_DATETIME_FORMAT = "Y. m. d. H:i"
