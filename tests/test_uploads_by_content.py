"""Files stored by their content (`app.uploads.store_by_content`): payment proofs, product photos, logos."""
import os
import threading

from app.uploads import store_by_content

WRITERS = 4


def stored_at_once(folder, content):
    """`content` stored by WRITERS threads released together; their answers and errors."""
    start, answers, errors = threading.Barrier(WRITERS), [], []

    def writer():
        start.wait()
        try:
            answers.append(store_by_content(content, folder=str(folder), extension="png"))
        except Exception as exc:  # reported by the test: a writer must not fail
            errors.append(exc)

    threads = [threading.Thread(target=writer) for _ in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers, errors


def test_the_same_file_uploaded_at_once_is_stored_whole_and_every_upload_is_answered(tmp_path):
    folder = tmp_path / "payment-proofs"
    for attempt in range(100):  # the writers' steps interleave differently each time
        content = os.urandom(256 * 1024) + attempt.to_bytes(4, "big")
        answers, errors = stored_at_once(folder, content)
        assert errors == []
        assert len(set(answers)) == 1 and len(answers) == WRITERS
        assert (tmp_path / answers[0]).read_bytes() == content
    assert [name for name in os.listdir(folder) if not name.endswith(".png")] == []
