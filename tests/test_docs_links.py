"""The docs a newcomer walks: every relative link in README.md and docs/*.md reaches a file, and every #anchor a heading."""
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", ROOT / "CONTRIBUTING.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^```.*?^```", re.S | re.M)


def slug(heading):
    """GitHub's anchor of a heading: lower case, punctuation dropped (not letters of any script), spaces to dashes."""
    text = re.sub(r"`|\*\*", "", heading.strip().lower())
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(page):
    text = FENCE.sub("", page.read_text(encoding="utf-8"))
    return {slug(match) for match in re.findall(r"^#+ (.+)$", text, re.M)}


def links(page):
    text = FENCE.sub("", page.read_text(encoding="utf-8"))
    for target in LINK.findall(text):
        if not re.match(r"[a-z]+:", target):
            yield target


def test_a_heading_slug_is_githubs():
    assert slug("Quick entry (快速录入) and regions") == "quick-entry-快速录入-and-regions"
    assert slug("Load: the whole mix (`bench/load.py`)") == "load-the-whole-mix-benchloadpy"


@pytest.mark.parametrize("page", PAGES, ids=lambda page: str(page.relative_to(ROOT)))
def test_every_relative_link_reaches_a_file_and_its_heading(page):
    broken = []
    for target in links(page):
        path, _, anchor = target.partition("#")
        file = (page.parent / path).resolve() if path else page
        if not file.exists():
            broken.append(target)
        elif anchor and file.suffix == ".md" and anchor not in anchors(file):
            broken.append(target)
    assert broken == []


def test_the_readme_stays_short():
    assert len((ROOT / "README.md").read_text(encoding="utf-8").splitlines()) <= 200


def test_the_readmes_first_screen_says_where_to_go_and_how_to_sign_in():
    first_screen = "\n".join((ROOT / "README.md").read_text(encoding="utf-8").splitlines()[:40])
    assert "make run" in first_screen and "/admin/" in first_screen and "sign in as `owner`" in first_screen


def test_every_setting_a_docs_page_names_is_a_documented_setting():
    documented = set(re.findall(r"^\| `([A-Z0-9_]+)`", (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8"), re.M))
    unknown = {}
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        for section in re.findall(r"^## Settings\n(.*?)(?=^#|\Z)", text, re.S | re.M):
            named = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", section)) - documented
            if named:
                unknown[page.name] = sorted(named)
    assert unknown == {}
