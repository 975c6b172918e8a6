"""The app as servers load it: ``gunicorn 'web.wsgi:app'`` (``jobbridge serve`` does the same
with waitress).

Beyond ``create_app()``, it loads the modules the pages use (the ranker, for "why not" and
refresh-now) and then freezes every object alive at start-up out of the garbage
collector's way: they live as long as the process, and scanning their 200,000 objects in
each full collection made one request in eight about 90 ms slower (bench/web_pages.py).
"""

from __future__ import annotations

import gc

import matcher.matching.recommendations
import matcher.matching.refresh
from web import create_app

__all__ = ["app"]

assert matcher.matching.recommendations and matcher.matching.refresh  # loaded now, not on first use
app = create_app()
gc.freeze()
