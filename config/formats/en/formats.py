"""How dates read on every page: "14 Sep 2026", the same as the pages' own |date:"j M Y".

A date or time printed without a format (``{{ window.since }}``) takes these instead of
English's "Sept. 14, 2026", so one page never mixes two ways of writing a day. Times are
shown in the viewer's time zone (accounts.middleware.UserTimezoneMiddleware).
"""

DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y, H:i"
SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y, H:i"
MONTH_DAY_FORMAT = "j F"
YEAR_MONTH_FORMAT = "F Y"
