"""Where provinces lie: each province's capital, for distances between scans and for maps.

A province is placed at its capital (latitude, longitude in degrees). That is
coarse but enough to tell "the same code in 黑龙江 and 广东 within a day" from
scans in neighbouring provinces; a scan knows no more than its province anyway.
"""
import math

from app import regions

CAPITALS = {
    "北京市": (39.90, 116.41), "天津市": (39.13, 117.20), "河北省": (38.04, 114.51), "山西省": (37.87, 112.55),
    "内蒙古自治区": (40.84, 111.75), "辽宁省": (41.80, 123.43), "吉林省": (43.82, 125.32),
    "黑龙江省": (45.80, 126.53), "上海市": (31.23, 121.47), "江苏省": (32.06, 118.80), "浙江省": (30.27, 120.16),
    "安徽省": (31.82, 117.23), "福建省": (26.07, 119.30), "江西省": (28.68, 115.86), "山东省": (36.65, 117.12),
    "河南省": (34.75, 113.63), "湖北省": (30.59, 114.31), "湖南省": (28.23, 112.94), "广东省": (23.13, 113.26),
    "广西壮族自治区": (22.82, 108.37), "海南省": (20.04, 110.20), "重庆市": (29.56, 106.55),
    "四川省": (30.57, 104.07), "贵州省": (26.65, 106.63), "云南省": (25.04, 102.71), "西藏自治区": (29.65, 91.13),
    "陕西省": (34.34, 108.94), "甘肃省": (36.06, 103.83), "青海省": (36.62, 101.78),
    "宁夏回族自治区": (38.49, 106.23), "新疆维吾尔自治区": (43.83, 87.62), "台湾省": (25.03, 121.57),
    "香港特别行政区": (22.32, 114.17), "澳门特别行政区": (22.20, 113.54),
}
EARTH_RADIUS_KM = 6371.0


def distance_km(province_a, province_b):
    """Great-circle distance between two provinces' capitals; 0 when either is unknown."""
    a, b = CAPITALS.get(province_a), CAPITALS.get(province_b)
    if not a or not b:
        return 0.0
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))


def province_point(province):
    """{"adcode", "lat", "lng"} of a province for a map, or empty values when unknown."""
    region = regions.resolve(province)
    lat, lng = CAPITALS.get(province, (None, None))
    return {"adcode": region.adcode if region else "", "lat": lat, "lng": lng}
