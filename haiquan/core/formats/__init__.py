"""Number formats where Django's own locale data differs from how the language writes amounts.

Only the overridden names live here; everything else comes from `django/conf/locale`.
"""
