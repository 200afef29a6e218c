"""What a process keeps, for a few seconds, of rows read on nearly every request (the brand's profile, a product
as the scan page shows it): a change shows at once in the process that made it (it forgets the key) and within
the time kept in the others."""
import time


class Kept:
    """Values by key, each kept for `seconds` after it was read; past `size` keys every one is forgotten. A read
    that answers None is not kept (the row may appear)."""

    def __init__(self, seconds, *, size=1024):
        self.seconds, self._size, self._values = seconds, size, {}

    def get(self, key, read):
        """The value kept for `key`, or `read()`'s, kept from now on."""
        entry = self._values.get(key)
        now = time.monotonic()
        if entry is not None and now < entry[1]:
            return entry[0]
        value = read()
        if value is not None:
            if len(self._values) >= self._size:
                self._values.clear()
            self._values[key] = (value, now + self.seconds)
        return value

    def forget(self, key=None):
        """Read `key` afresh next time (every key when None: a test's rollback)."""
        if key is None:
            self._values.clear()
        else:
            self._values.pop(key, None)
