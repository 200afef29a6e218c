"""docs/configuration.md is generated from the settings and never stale."""
from app import config_docs


def test_every_setting_has_a_written_meaning():
    assert config_docs.undocumented() == []


def test_the_configuration_page_is_the_generated_one():
    with open(config_docs.PAGE, encoding="utf-8") as page:
        assert page.read() == config_docs.page(), "docs/configuration.md is stale: run `flask config docs`"


def test_the_check_command_passes_on_a_current_page(app):
    result = app.test_cli_runner().invoke(args=["config", "docs", "--check"])
    assert result.exit_code == 0, result.output
