"""Consumers scanning one code at the same moment, each on its own connection."""
import threading

import pytest

from app.codes import service as codes
from app.codes.models import Code
from app.database import db
from tests.factories import codes_of, make_batch

pytestmark = pytest.mark.committed


def test_of_simultaneous_first_scans_exactly_one_is_told_it_is_the_first():
    code = codes_of(make_batch(1))[0]
    barrier, verdicts = threading.Barrier(6), []

    def scan(index):
        db.connect(reuse_if_open=True)
        try:
            barrier.wait()
            verdicts.append(codes.look_up(text=code, ip=f"10.0.0.{index}").verdict)
        finally:
            db.close()
    threads = [threading.Thread(target=scan, args=(index,)) for index in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(verdicts) == ["genuine"] + ["repeat"] * 5
    assert Code.get(Code.code == code).scan_count == 6
