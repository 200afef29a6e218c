"""An address's province and city from the offline 纯真 database; what it cannot place locates to nothing."""
from app import iplocation
from tests.factories import overridden_settings


def test_a_chinese_address_locates_to_its_full_province_and_city(located_scans):
    assert iplocation.locate("120.79.1.1") == ("广东省", "深圳市")
    assert iplocation.locate("114.114.114.114") == ("江苏省", "南京市")


def test_private_loopback_foreign_and_malformed_addresses_locate_to_nothing(located_scans):
    for address in ("127.0.0.1", "10.1.2.3", "::1", "8.8.8.8", "unknown", ""):
        assert iplocation.locate(address) == ("", "")


def test_without_the_database_nothing_is_located():
    with overridden_settings(IP_REGION_DB=""):
        assert iplocation.locate("120.79.1.1") == ("", "")
