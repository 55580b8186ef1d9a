"""The dashboards' figures kept for a short while (POMOST_DASHBOARD_CACHE_SECONDS, a minute by default) per
worker: a dashboard adds up a whole programme's rows and draws its charts, and the people reading it refresh and
switch between calls; figures a minute old are what such a page shows anyway, and it says when they were taken."""
from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

from flask import current_app

MAX_ENTRIES = 128
_kept: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()
_lock = threading.Lock()


def kept(key: Hashable, compute: Callable[[], Any]) -> Any:
    """compute() now, or what it gave for the same key within the last seconds configured."""
    seconds = float(current_app.config.get("DASHBOARD_CACHE_SECONDS", 60))
    now = time.monotonic()
    if seconds > 0:
        with _lock:
            found = _kept.get(key)
            if found is not None and now - found[0] < seconds:
                _kept.move_to_end(key)
                return found[1]
    value = compute()
    if seconds > 0:
        with _lock:
            _kept[key] = (now, value)
            _kept.move_to_end(key)
            while len(_kept) > MAX_ENTRIES:
                _kept.popitem(last=False)
    return value
