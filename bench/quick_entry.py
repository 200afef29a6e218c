"""Quick-entry parse speed over the sample messages (pure Python: no database).

    python bench/quick_entry.py [--smoke | --quick] [--seconds N]

Figures: the region table's first load, whole-message parses per second (one
core; the catalogue of 7 products built per call, and built once), find_region
calls per second, and as the floor the same messages run
through the phone regex alone. Ends with one line of JSON.
"""
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import regions  # noqa: E402
from app.orders import chat_text  # noqa: E402
from app.orders.product_match import Catalogue  # noqa: E402
from app.orders.quick_entry import parse_order_text  # noqa: E402
from bench.common import emit, parse_args, sized  # noqa: E402
from tests.quick_entry_samples import CATALOGUE, SAMPLES  # noqa: E402


def rate(work, texts, seconds):
    """Calls of work per second, cycling through texts for about seconds."""
    done, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        for text in texts:
            work(text)
        done += len(texts)
    return done / (time.perf_counter() - started)


def main():
    args = parse_args(__doc__, quick="a short run (0.5 s per figure)",
                      extra=lambda parser: parser.add_argument("--seconds", type=float, default=5.0,
                                                               help="seconds per figure"))
    seconds = sized(args, 0.05, 0.5, args.seconds)
    texts = [sample.text for sample in SAMPLES]

    started = time.perf_counter()
    regions.provinces()
    load_ms = (time.perf_counter() - started) * 1000
    long_text = "\n".join(texts * 3)[:2000]
    catalogue = Catalogue(CATALOGUE)
    figures = {
        "samples": len(texts),
        "region_table_load_ms": round(load_ms, 1),
        "parses_per_second": round(rate(lambda text: parse_order_text(text, CATALOGUE), texts, seconds)),
        "parses_per_second_prebuilt_catalogue": round(rate(lambda text: parse_order_text(text, catalogue),
                                                           texts, seconds)),
        "find_region_per_second": round(rate(regions.find_region, texts, seconds)),
        "phone_regex_floor_per_second": round(rate(lambda text: chat_text.MOBILE.search(text), texts, seconds)),
        "long_message_2000_chars_ms": round(1000 / rate(lambda text: parse_order_text(text, CATALOGUE),
                                                        [long_text], seconds), 2),
    }
    print(f"region table first load     {figures['region_table_load_ms']:>10} ms")
    print(f"parse (whole message)       {figures['parses_per_second']:>10} /s  over {len(texts)} samples, one core")
    print(f"parse, catalogue built once {figures['parses_per_second_prebuilt_catalogue']:>10} /s")
    print(f"find_region                 {figures['find_region_per_second']:>10} /s")
    print(f"floor: phone regex only     {figures['phone_regex_floor_per_second']:>10} /s")
    print(f"a 2,000-character message   {figures['long_message_2000_chars_ms']:>10} ms")
    emit(figures)


if __name__ == "__main__":
    main()
