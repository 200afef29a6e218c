"""The screenshots of the mini-program in docs/miniprogram.md: `python scripts/mp_screenshots.py` (Chromium and playwright needed).

miniprogram-simulate renders to jsdom, not pixels: `npm run screenshots` in miniprogram/ writes a few pages with
demo answers as HTML, and headless Chromium photographs them into docs/miniprogram/.
"""
import os
import subprocess
import sys
import tempfile

from playwright.sync_api import sync_playwright

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PAGES = ("home", "catalogue", "order", "money", "pay", "topup", "cloud", "pickup")


def main():
    out = tempfile.mkdtemp(prefix="mp-shots-")
    env = dict(os.environ, OUT=out, MP_PYTHON=sys.executable)
    subprocess.run(["npm", "run", "screenshots"], cwd=os.path.join(ROOT, "miniprogram"), env=env, check=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium")
        page = browser.new_page(viewport={"width": 375, "height": 700})
        for name in PAGES:
            page.goto(f"file://{out}/{name}.html")
            page.screenshot(path=os.path.join(ROOT, "docs", "miniprogram", f"{name}.png"))
        browser.close()


if __name__ == "__main__":
    main()
