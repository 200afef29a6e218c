"""Settings come from the environment and refuse unsafe production setups."""
import pytest

from app.config import ConfigError, Settings


def test_production_refuses_to_start_without_a_secret_key(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError):
        Settings.from_env({"ENV": "production"})


def test_production_starts_with_a_secret_key_and_a_public_https_address():
    assert Settings.from_env({"ENV": "production", "SECRET_KEY": "s3cret",
                              "PUBLIC_BASE_URL": "https://shop.example.com"}).is_production


@pytest.mark.parametrize("url", ["http://127.0.0.1:5000", "http://shop.example.com", "https://localhost"])
def test_production_refuses_a_public_address_that_codes_cannot_be_printed_with(url):
    with pytest.raises(ConfigError, match="PUBLIC_BASE_URL"):
        Settings.from_env({"ENV": "production", "SECRET_KEY": "s3cret", "PUBLIC_BASE_URL": url})


def test_environment_variables_are_read_and_typed(monkeypatch):
    monkeypatch.setenv("MAX_BODY_BYTES", "1234")
    monkeypatch.setenv("WECHAT_OA_TOKEN", "tok")
    settings = Settings.from_env()
    assert settings.MAX_BODY_BYTES == 1234
    assert settings.WECHAT_OA_TOKEN == "tok"


def test_api_base_must_end_with_a_slash():
    with pytest.raises(ConfigError):
        Settings.from_env({"WECHAT_API_BASE": "http://127.0.0.1:1"})


def test_an_ip_database_path_that_names_no_file_refuses_to_start(tmp_path):
    with pytest.raises(ConfigError, match="IP_REGION_DB"):
        Settings.from_env({"IP_REGION_DB": str(tmp_path / "missing.ipdb")})
