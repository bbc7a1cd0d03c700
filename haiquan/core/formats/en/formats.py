# Dates that read the same on both sides of the Atlantic: 7 Dec 2026, never 12/07/2026 (which a
# reader outside the United States takes for 12 July). A 24-hour clock, as customs works.
DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y, H:i"
SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y, H:i"
TIME_FORMAT = "H:i"
