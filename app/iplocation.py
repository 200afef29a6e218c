"""Where an address is: the province and city of a Chinese IP address, from an offline 纯真 database (ipdb format).

The database is the file at IP_REGION_DB (`make` fetches it); without it nothing is
located and scans rest on what the consumer says. Private, loopback and foreign
addresses locate to nothing.
"""
import functools
import ipaddress

import ipdb

from app import regions
from app.config import get_settings

NOWHERE = ("", "")


@functools.lru_cache(maxsize=2)
def _reader(path):
    # The reader holds the whole file in memory (40 MB): once per process and path.
    return ipdb.City(path)


def locate(ip):
    """(full province, full city or "") of a public Chinese address, or ("", "") when it cannot be told."""
    return _located(get_settings().IP_REGION_DB, ip or "")


@functools.lru_cache(maxsize=4096)
def _located(path, ip):
    # Kept per database and address, as the reader is: a carrier's NAT puts many phones behind one address, and
    # a look-up is about 55 µs of Python (the reader's walk of the file 39 of them) where a kept one is 0.4.
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return NOWHERE
    if not path or not address.is_global:
        return NOWHERE
    try:
        found = _reader(path).find_map(str(address), "CN") or {}
    except (ipdb.IPNotFound, ipdb.DatabaseError, ipdb.exceptions.NoSupportIPv6Error):
        return NOWHERE
    if found.get("country_code") != "CN":
        return NOWHERE
    province = regions.normalize_province(found.get("region_name") or "")
    if not province:
        return NOWHERE
    return province, regions.normalize_city(found.get("city_name") or "", province) or ""
