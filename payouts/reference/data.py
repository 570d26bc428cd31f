"""The minimum wages, FX rates and rate cards the product ships with.

Loaded by a data migration; operations staff add newer rows through the API or the
pages without a deploy. Daily and monthly statutory minimums are converted to hourly as
each row's note says. Where a country's rate varies by locality inside one subdivision,
the highest local rate is used (policy: nobody is paid below any floor that could apply).
"""

DOL_HISTORY = "https://www.dol.gov/agencies/whd/minimum-wage/history/chart"
DOL_STATES = "https://www.dol.gov/agencies/whd/minimum-wage/state"

# (country, subdivision, currency, hourly in major units, effective from, source, note)
MINIMUM_WAGES = [
    ("US", "", "USD", "7.25", "2009-07-24", DOL_HISTORY, "Federal minimum wage (FLSA)."),
    ("US", "US-CA", "USD", "16.50", "2025-01-01", "https://www.dir.ca.gov/dlse/faq_minimumwage.htm", ""),
    ("US", "US-CA", "USD", "16.90", "2026-01-01", "https://www.dir.ca.gov/dlse/faq_minimumwage.htm", ""),
    ("US", "US-WA", "USD", "16.66", "2025-01-01", "https://lni.wa.gov/workers-rights/wages/minimum-wage/", ""),
    ("US", "US-WA", "USD", "17.13", "2026-01-01", "https://lni.wa.gov/workers-rights/wages/minimum-wage/", ""),
    ("US", "US-NY", "USD", "16.50", "2025-01-01", "https://dol.ny.gov/minimum-wage-0",
     "New York City, Long Island and Westchester rate (highest in the state); rest of state $15.50."),
    ("US", "US-NY", "USD", "17.00", "2026-01-01", "https://dol.ny.gov/minimum-wage-0",
     "New York City, Long Island and Westchester rate (highest in the state); rest of state $16.00."),
    ("US", "US-DC", "USD", "17.50", "2024-07-01", "https://does.dc.gov/page/minimum-wage", ""),
    ("US", "US-DC", "USD", "17.95", "2025-07-01", "https://does.dc.gov/page/minimum-wage", ""),
    ("US", "US-MA", "USD", "15.00", "2023-01-01", "https://www.mass.gov/info-details/massachusetts-law-about-minimum-wage", ""),
    ("US", "US-IL", "USD", "15.00", "2025-01-01", "https://labor.illinois.gov/laws-rules/fls/minimum-wage-law.html", ""),
    ("US", "US-NJ", "USD", "15.49", "2025-01-01", "https://www.nj.gov/labor/wageandhour/tools-resources/laws/minimumwage.shtml", ""),
    ("US", "US-NJ", "USD", "15.92", "2026-01-01", "https://www.nj.gov/labor/wageandhour/tools-resources/laws/minimumwage.shtml", ""),
    ("US", "US-CO", "USD", "14.81", "2025-01-01", "https://cdle.colorado.gov/wage-and-hour-law/minimum-wage", ""),
    ("US", "US-CO", "USD", "15.16", "2026-01-01", "https://cdle.colorado.gov/wage-and-hour-law/minimum-wage", ""),
    ("US", "US-AZ", "USD", "14.70", "2025-01-01", "https://www.azica.gov/labor-minimum-wage-main-page", ""),
    ("US", "US-AZ", "USD", "15.15", "2026-01-01", "https://www.azica.gov/labor-minimum-wage-main-page", ""),
    ("US", "US-FL", "USD", "13.00", "2024-09-30", "https://floridajobs.org/news-center/public-notices", ""),
    ("US", "US-FL", "USD", "14.00", "2025-09-30", "https://floridajobs.org/news-center/public-notices", ""),
    ("US", "US-OR", "USD", "16.30", "2025-07-01", "https://www.oregon.gov/boli/workers/pages/minimum-wage.aspx",
     "Portland metro rate (highest in the state); standard rate $15.05."),
    ("GB", "", "GBP", "11.44", "2024-04-01", "https://www.gov.uk/national-minimum-wage-rates", "National Living Wage (21 and over)."),
    ("GB", "", "GBP", "12.21", "2025-04-01", "https://www.gov.uk/national-minimum-wage-rates", "National Living Wage (21 and over)."),
    ("GB", "", "GBP", "12.71", "2026-04-01", "https://www.gov.uk/national-minimum-wage-rates", "National Living Wage (21 and over)."),
    ("DE", "", "EUR", "12.82", "2025-01-01", "https://www.bmas.de/DE/Arbeit/Arbeitsrecht/Mindestlohn/mindestlohn.html", ""),
    ("DE", "", "EUR", "13.90", "2026-01-01", "https://www.bmas.de/DE/Arbeit/Arbeitsrecht/Mindestlohn/mindestlohn.html", ""),
    ("DE", "", "EUR", "14.60", "2027-01-01", "https://www.bmas.de/DE/Arbeit/Arbeitsrecht/Mindestlohn/mindestlohn.html", ""),
    ("FR", "", "EUR", "11.88", "2024-11-01", "https://www.service-public.fr/particuliers/vosdroits/F2300", "SMIC brut horaire."),
    ("FR", "", "EUR", "12.02", "2026-01-01", "https://www.service-public.fr/particuliers/vosdroits/F2300", "SMIC brut horaire."),
    ("CA", "", "CAD", "17.75", "2025-04-01",
     "https://www.canada.ca/en/employment-social-development/programs/employment-standards/federal-minimum-wage.html",
     "Federal minimum wage, applied as the national floor by policy."),
    ("CA", "CA-ON", "CAD", "17.60", "2025-10-01", "https://www.ontario.ca/document/your-guide-employment-standards-act-0/minimum-wage", ""),
    ("CA", "CA-BC", "CAD", "17.85", "2025-06-01", "https://www2.gov.bc.ca/gov/content/employment-business/employment-standards-advice/employment-standards/wages/minimum-wage", ""),
    ("CA", "CA-QC", "CAD", "16.10", "2025-05-01", "https://www.cnt.gouv.qc.ca/en/wages-pay-and-work/wages/minimum-wage/", ""),
    ("IN", "", "INR", "22.25", "2017-06-01", "https://labour.gov.in/",
     "National floor level minimum wage Rs 178 a day, divided by 8 hours."),
    ("IN", "IN-DL", "INR", "88.73", "2025-04-01", "https://labour.delhi.gov.in/",
     "Delhi unskilled Rs 18,456 a month, divided by 26 days of 8 hours."),
    ("PH", "", "PHP", "86.88", "2025-07-18", "https://nwpc.dole.gov.ph/",
     "NCR daily minimum PHP 695 (Wage Order NCR-26) divided by 8 hours; the highest regional rate, applied nationally by policy."),
    ("PH", "PH-00", "PHP", "86.88", "2025-07-18", "https://nwpc.dole.gov.ph/", "NCR PHP 695 a day divided by 8 hours."),
    ("KE", "", "KES", "82.64", "2024-11-01", "https://www.labour.go.ke/",
     "General labourer, Nairobi, Mombasa and Kisumu: KES 16,113.75 a month divided by 195 hours (45 a week)."),
    ("BR", "", "BRL", "6.90", "2025-01-01", "https://www.gov.br/trabalho-e-emprego/",
     "Salario minimo R$ 1,518 a month divided by 220 hours."),
    ("MX", "", "MXN", "34.85", "2025-01-01", "https://www.gob.mx/conasami", "Salario minimo general MXN 278.80 a day divided by 8 hours."),
    ("MX", "", "MXN", "39.38", "2026-01-01", "https://www.gob.mx/conasami", "Salario minimo general MXN 315.04 a day divided by 8 hours."),
]  # fmt: skip

# Units of USD per one unit of the currency, from 2025-01-01. Operations add the day's
# reference rates; these are the starting values.
FX_TO_USD = {
    "GBP": "1.2700",
    "EUR": "1.0800",
    "CAD": "0.7300",
    "INR": "0.0120",
    "PHP": "0.0175",
    "KES": "0.0077",
    "BRL": "0.1800",
    "MXN": "0.0550",
}
FX_EFFECTIVE_FROM = "2025-01-01"
FX_SOURCE = "Starting values shipped with the product; replace with the day's reference rates."

# USD per hour: (floor, default) per tier, from the pay ladder in the product's domain rules.
RATE_CARD_USD = {
    "bulk": ("8.00", "12.00"),
    "crowd": ("12.00", "15.00"),
    "generalist": ("20.00", "30.00"),
    "domain": ("35.00", "50.00"),
    "expert": ("75.00", "120.00"),
}
RATE_CARD_EFFECTIVE_FROM = "2025-01-01"

# How each place's law measures its minimum wage (``AveragingUnit``), with the law or
# decision that says so; applied to every shipped row of the place. A place not listed
# keeps the default, each item on its own: policy takes the reading that protects people
# where the product has not recorded the law's.
AVERAGING_UNITS = {
    ("US", ""): ("workweek", "FLSA, 29 U.S.C. 206; compliance measured per workweek (29 CFR 776.4, United States v. Klinghoffer Bros.)."),
    ("US", "US-CA"): ("item", "Cal. Labor Code 1194, 226.2; no averaging across hours or tasks (Armenta v. Osmose, 135 Cal.App.4th 314 (2005))."),
    ("US", "US-WA"): ("workweek", "RCW 49.46.020; WAC 296-126-021 measures piece-rate pay per workweek."),
    ("US", "US-NY"): ("workweek", "N.Y. Labor Law 652; 12 NYCRR 142-2.1, measured per workweek as under the FLSA."),
    ("US", "US-DC"): ("workweek", "D.C. Code 32-1003; measured per workweek as under the FLSA."),
    ("US", "US-MA"): ("workweek", "M.G.L. c. 151, s. 1; measured per workweek as under the FLSA."),
    ("US", "US-IL"): ("workweek", "820 ILCS 105/4; measured per workweek as under the FLSA."),
    ("US", "US-NJ"): ("workweek", "N.J.S.A. 34:11-56a4; measured per workweek as under the FLSA."),
    ("US", "US-CO"): ("workweek", "C.R.S. 8-6-109; 7 CCR 1103-1 rule 1.10, measured per workweek."),
    ("US", "US-AZ"): ("workweek", "A.R.S. 23-363; measured per workweek as under the FLSA."),
    ("US", "US-FL"): ("workweek", "Fla. Const. art. X, s. 24; interpreted in line with the FLSA, per workweek."),
    ("US", "US-OR"): ("workweek", "ORS 653.025; measured per workweek as under the FLSA."),
    ("GB", ""): ("pay_period", "National Minimum Wage Regulations 2015, reg. 7: pay over hours in the pay reference period."),
    ("DE", ""): ("pay_period", "MiLoG s. 1-2; met when the pay due for the period covers every hour worked (BAG 5 AZR 135/16)."),
    ("FR", ""): ("pay_period", "Code du travail L3231-2; the SMIC is checked over the pay period."),
    ("CA", ""): ("pay_period", "Canada Labour Code s. 178; measured over the pay period."),
    ("CA", "CA-ON"): ("pay_period", "Employment Standards Act 2000, s. 23; measured over the pay period."),
    ("CA", "CA-BC"): ("pay_period", "Employment Standards Act s. 16; measured over the pay period."),
    ("CA", "CA-QC"): ("pay_period", "Act respecting labour standards s. 40; measured over the pay period."),
    ("IN", ""): ("day", "Code on Wages 2019 s. 6, 9: a daily minimum rate."),
    ("IN", "IN-DL"): ("day", "Code on Wages 2019 s. 6; Delhi minimum wages notification, a daily and monthly rate."),
    ("PH", ""): ("day", "Labor Code art. 99; regional wage orders set a daily minimum."),
    ("PH", "PH-00"): ("day", "Wage Order NCR-26: a daily minimum."),
    ("KE", ""): ("pay_period", "Regulation of Wages (General) Order: a monthly minimum, measured over the pay period."),
    ("BR", ""): ("pay_period", "CLT art. 76; a monthly minimum measured over the pay period."),
    ("MX", ""): ("day", "Ley Federal del Trabajo art. 90; a daily minimum (salario minimo general)."),
}  # fmt: skip
