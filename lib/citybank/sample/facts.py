"""Real figures the sample city is calibrated to, typed by hand with their sources named.

Nothing here is read at run time: the generator must work on a machine with nothing but the repository.
tests/test_sample.py compares these numbers with the real GUS exports shipped in data/raw/national.
"""

from __future__ import annotations

YEARS = tuple(range(2015, 2025))

# GUS BDL export LUDN (population by economic age group, 31 Dec), row Kod 2474011
# "Siemianowice Śląskie (1)", columns "w wieku {przedprodukcyjnym|produkcyjnym|poprodukcyjnym};ogółem;<Y>".
# Source: GUS, Bank Danych Lokalnych (https://bdl.stat.gov.pl), table export LUDN, 2010–2019, as shipped in
# data/raw/national/LUDN_population_by_economic_age_2010-2019.csv (sidecar: sha256, licence)
CITY_GROUPS_2015_2019: dict[str, dict[int, int]] = {
    "population_pre_working": {2015: 10889, 2016: 10936, 2017: 10945, 2018: 10996, 2019: 11000},
    "population_working": {2015: 42503, 2016: 41609, 2017: 40762, 2018: 39990, 2019: 39361},
    "population_post_working": {2015: 14839, 2016: 15360, 2017: 15816, 2018: 16168, 2019: 16480},
}
# The same export, 2014 (needed for the 2015 population change): 10857 + 43310 + 14467.
CITY_POPULATION_2014 = 68634

# Total population 2019–2024. Sources: GUS via the Wikipedia (pl) infobox of "Siemianowice Śląskie" for
# 2019–2021; a third-party mirror of GUS BDL data for 2023–2024 (not checked against BDL itself). 2021 onwards is rebased on the 2021 census
# (a methodological break). 2022 is not published there: interpolated between 2021 and 2023.
CITY_POPULATION: dict[int, int] = {2019: 66841, 2020: 66270, 2021: 64365, 2022: 63883, 2023: 63401, 2024: 62817}
CENSUS_BREAK_YEAR = 2021

# Live births and deaths. 2023 and 2024 are real (a third-party mirror of GUS BDL data); earlier
# years are plausible values for a city of this size (crude birth rate ~9 ‰, death rate ~12–17 ‰, with the
# 2020–2021 excess mortality), not facts.
LIVE_BIRTHS: dict[int, int] = {
    2015: 615,
    2016: 640,
    2017: 668,
    2018: 625,
    2019: 588,
    2020: 545,
    2021: 530,
    2022: 478,
    2023: 423,
    2024: 366,
}
DEATHS: dict[int, int] = {
    2015: 820,
    2016: 790,
    2017: 835,
    2018: 860,
    2019: 842,
    2020: 1010,
    2021: 1120,
    2022: 905,
    2023: 873,
    2024: 851,
}
# Net migration in the census-break year cannot be derived from the population change: a plausible value.
NET_MIGRATION_BREAK_YEAR = -150

# GUS BDL export RYNE/1944 (registered unemployed persons, total, 31 Dec), 2015–2024, by Kod.
# Source: GUS, Bank Danych Lokalnych (https://bdl.stat.gov.pl), table RYNE/1944, as shipped in
# data/raw/national/RYNE_1944_registered_unemployed_2003-2024.csv
UNEMPLOYED: dict[str, tuple[int, ...]] = {
    "2474011": (2464, 1675, 1364, 1145, 888, 1311, 923, 860, 798, 826),  # Siemianowice Śląskie
    "2469011": (8093, 5970, 4737, 3579, 2233, 3798, 3898, 3071, 2162, 2122),  # Katowice
    "2463011": (3665, 3060, 2444, 1878, 1377, 1808, 1387, 1359, 1372, 1376),  # Chorzów
    "2462011": (9147, 7483, 5288, 4406, 3780, 4591, 3806, 3600, 3538, 3364),  # Bytom
    "2471011": (2109, 1614, 1224, 1097, 970, 1295, 1053, 1025, 1067, 1121),  # Piekary Śląskie
    "2476011": (1487, 1219, 986, 879, 666, 883, 594, 532, 499, 542),  # Świętochłowice
    "2470011": (2186, 1673, 1593, 1400, 1230, 1734, 1514, 1263, 1043, 1023),  # Mysłowice
    "2262011": (5163, 4192, 3173, 2779, 2383, 3871, 2651, 2144, 2174, 2493),  # Gdynia
    "2661011": (9378, 8326, 6349, 6024, 5356, 6092, 5486, 4480, 4464, 4301),  # Kielce
    "2400000": (148508, 119981, 94687, 80079, 66521, 91032, 76324, 64903, 62445, 62583),  # ŚLĄSKIE
    "0000000": (1563339, 1335155, 1081746, 968888, 866374, 1046432, 895203, 812301, 788229, 786179),  # POLSKA
}

# Population by economic age group in 2019 (pre-working, working, post-working) for each peer, from the
# LUDN export above (gmina rows, kind 1). ŚLĄSKIE and POLSKA are the sums of the export's gmina rows of kinds
# 1, 2 and 3 (urban, rural, urban-rural; kinds 4 and 5 are parts of kind 3), which equal GUS's published
# totals for 2019 (4,517,635 and 38,382,576).
GROUPS_2019: dict[str, tuple[int, int, int]] = {
    "2469011": (44148, 171439, 77187),  # Katowice 292,774
    "2463011": (18590, 63951, 25266),  # Chorzów 107,807
    "2462011": (26151, 99036, 40076),  # Bytom 165,263
    "2471011": (9081, 32860, 13089),  # Piekary Śląskie 55,030
    "2476011": (8398, 29265, 11894),  # Świętochłowice 49,557
    "2470011": (13508, 45316, 15794),  # Mysłowice 74,618
    "2262011": (40421, 141815, 64112),  # Gdynia 246,348
    "2661011": (31035, 112459, 51358),  # Kielce 194,852
    "2400000": (772668, 2694162, 1050805),  # ŚLĄSKIE 4,517,635
    "0000000": (6948706, 23025927, 8407943),  # POLSKA 38,382,576
}
GROUP_VARIABLES = ("population_pre_working", "population_working", "population_post_working")

# Median gross monthly wage in December by place of residence, BDL variable 1750207 [zł].
# 2024: 7,136.00 zł is real (GUS BDL API, variable 1750207, unit 012414874011, lastUpdate 2026-06-01; 2025: 7,872.07 zł, outside the sample years).
# 2015–2023 are plausible values growing 5–12 % a year, not facts.
MEDIAN_WAGE: dict[int, float] = {
    2015: 3420.15,
    2016: 3580.40,
    2017: 3790.22,
    2018: 4055.80,
    2019: 4380.57,
    2020: 4650.10,
    2021: 5060.35,
    2022: 5610.48,
    2023: 6390.72,
    2024: 7136.00,
}

# Registered residents (city register) are a little below GUS's population every year: 1.5–3.5 % (GUS also
# counts people living here on temporary registration). A plausible assumption, not a fact.
REGISTER_GAP = (0.015, 0.035)
