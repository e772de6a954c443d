"""The lunar calendar's months for 1900-2100, as lunar-python computes them, kept as a table.

lunar-python works a lunar year out astronomically (about 3 ms a year, 0.15 s for the birth years of a
team's contacts, paid again by every process). The months of a year follow from three numbers: the solar
day its first month starts on, its leap month (0 for none) and which of its months have 30 days (bit k for
the k-th month, the leap month counted where it falls). `build` recomputes the table with lunar-python; a
test checks that the two agree for every year, and `birthdays` asks lunar-python itself outside the table.
"""

from __future__ import annotations

from datetime import date, timedelta

FIRST_YEAR, LAST_YEAR = 1900, 2100

#: per year from FIRST_YEAR: first day of 正月 (date ordinal), leap month, 30-day months (bits)
DATA = (
    693626, 8, 5842, 694010, 0, 1874, 694364, 0, 3749, 694719, 5, 5706, 695102, 0, 1611, 695456, 0, 2715,
    695811, 4, 5462, 696195, 0, 1386, 696549, 0, 2905, 696904, 2, 5970, 697288, 0, 1874, 697642, 6, 6949,
    698026, 0, 2853, 698380, 0, 2635, 698734, 5, 5291, 699118, 0, 685, 699472, 0, 1387, 699827, 2, 2921,
    700211, 0, 3497, 700566, 7, 7570, 700950, 0, 3730, 701304, 0, 3365, 701658, 5, 6733, 702042, 0, 2646,
    702396, 0, 694, 702750, 4, 5557, 703135, 0, 1748, 703489, 0, 3753, 703844, 2, 7826, 704228, 0, 3730,
    704582, 6, 3366, 704965, 0, 1323, 705319, 0, 2647, 705674, 5, 4790, 706058, 0, 2906, 706413, 0, 1748,
    706767, 3, 3785, 707151, 0, 1865, 707505, 7, 5779, 707889, 0, 2707, 708243, 0, 1323, 708597, 6, 2651,
    708981, 0, 2733, 709336, 0, 1386, 709690, 4, 6997, 710075, 0, 2980, 710429, 0, 2889, 710783, 2, 6803,
    711167, 0, 2709, 711521, 7, 5421, 711905, 0, 1334, 712259, 0, 2733, 712614, 5, 5546, 712998, 0, 1458,
    713352, 0, 3493, 713707, 3, 7498, 714091, 0, 3402, 714445, 8, 2709, 714828, 0, 2711, 715183, 0, 1366,
    715537, 6, 2741, 715921, 0, 2773, 716276, 0, 1746, 716630, 4, 3749, 717014, 0, 3749, 717369, 0, 1610,
    717722, 3, 3223, 718106, 0, 2715, 718461, 7, 5466, 718845, 0, 1386, 719199, 0, 2921, 719554, 5, 5970,
    719938, 0, 2898, 720292, 0, 2853, 720646, 4, 5707, 721030, 0, 2635, 721384, 8, 5291, 721768, 0, 685,
    722122, 0, 1389, 722477, 6, 2921, 722861, 0, 3497, 723216, 0, 3474, 723570, 4, 7461, 723954, 0, 3365,
    724308, 10, 6733, 724692, 0, 2646, 725046, 0, 694, 725400, 6, 1461, 725784, 0, 1749, 726139, 0, 3753,
    726494, 5, 7826, 726878, 0, 3730, 727232, 0, 3366, 727586, 3, 2646, 727969, 0, 2647, 728324, 8, 5334,
    728708, 0, 858, 729062, 0, 1749, 729417, 5, 5833, 729801, 0, 1865, 730155, 0, 1683, 730509, 4, 5419,
    730893, 0, 1323, 731247, 0, 2651, 731602, 2, 5466, 731986, 0, 1386, 732340, 7, 6997, 732725, 0, 2980,
    733079, 0, 2889, 733433, 5, 6803, 733817, 0, 2709, 734171, 0, 1325, 734525, 4, 2733, 734909, 0, 2741,
    735264, 9, 5546, 735648, 0, 1490, 736002, 0, 3493, 736357, 6, 7498, 736741, 0, 3402, 737095, 0, 3221,
    737449, 4, 5422, 737833, 0, 1366, 738187, 0, 2741, 738542, 2, 5554, 738926, 0, 1746, 739280, 6, 3749,
    739664, 0, 1829, 740018, 0, 1611, 740372, 5, 3223, 740756, 0, 3243, 741111, 0, 1370, 741465, 3, 2774,
    741849, 0, 2921, 742204, 11, 5970, 742588, 0, 2898, 742942, 0, 2853, 743296, 6, 6731, 743680, 0, 2635,
    744034, 0, 1195, 744388, 5, 1371, 744772, 0, 1453, 745127, 0, 2922, 745482, 2, 6994, 745866, 0, 3474,
    746220, 7, 7461, 746604, 0, 3365, 746958, 0, 2645, 747312, 5, 5293, 747696, 0, 1206, 748050, 0, 1461,
    748405, 3, 3498, 748789, 0, 3785, 749144, 8, 7826, 749528, 0, 3730, 749882, 0, 3366, 750236, 6, 2646,
    750619, 0, 2647, 750974, 0, 1238, 751328, 4, 1749, 751712, 0, 1877, 752067, 0, 1865, 752421, 3, 3731,
    752805, 0, 1683, 753159, 7, 5419, 753543, 0, 1323, 753897, 0, 2651, 754252, 5, 5466, 754636, 0, 1386,
    754990, 0, 2917, 755345, 4, 5962, 755729, 0, 2890, 756083, 8, 6805, 756467, 0, 2709, 756821, 0, 1325,
    757175, 6, 2733, 757559, 0, 2741, 757914, 0, 1450, 758268, 4, 2981, 758652, 0, 3493, 759007, 0, 3402,
    759361, 3, 7317, 759745, 0, 3222, 760099, 7, 6478, 760483, 0, 1366, 760837, 0, 2741, 761192, 5, 5554,
    761576, 0, 1746, 761930, 0, 3749, 762285, 4, 3658, 762668, 0, 1675, 763022, 8, 3223, 763406, 0, 1195,
    763760, 0, 1371, 764115, 6, 2774, 764499, 0, 2922, 764854, 0, 1874, 765208, 4, 5925, 765592, 0, 2885,
    765946, 0, 2699, 766300, 2, 5275, 766684, 0, 1195,
)


def months(year: int) -> tuple[tuple[date, int, int], ...] | None:
    """(first solar day, month (negative = leap), length) of each month of a lunar year; None outside the table."""
    if not FIRST_YEAR <= year <= LAST_YEAR:
        return None
    at = 3 * (year - FIRST_YEAR)
    first, leap, long_months = DATA[at], DATA[at + 1], DATA[at + 2]
    numbers = list(range(1, 13))
    if leap:
        numbers.insert(leap, -leap)
    out = []
    day = date.fromordinal(first)
    for k, month in enumerate(numbers):
        length = 30 if long_months >> k & 1 else 29
        out.append((day, month, length))
        day += timedelta(days=length)
    return tuple(out)


def build(first_year: int = FIRST_YEAR, last_year: int = LAST_YEAR) -> tuple[int, ...]:
    """The table's numbers recomputed with lunar-python (what DATA holds, for a test to compare)."""
    from lunar_python import LunarYear, Solar

    out: list[int] = []
    for year in range(first_year, last_year + 1):
        lunar_months = LunarYear.fromYear(year).getMonthsInYear()
        start = Solar.fromJulianDay(lunar_months[0].getFirstJulianDay())
        leap = next((-m.getMonth() for m in lunar_months if m.getMonth() < 0), 0)
        long_months = sum(1 << k for k, m in enumerate(lunar_months) if m.getDayCount() == 30)
        out += [date(start.getYear(), start.getMonth(), start.getDay()).toordinal(), leap, long_months]
    return tuple(out)
