"""Retired rows: a row whose cells say the service is deprecated or gone holds its port no more.

```
| Unified News          | 11116 | ✅ Active         |
| Performance Dashboard | 11116 | ⚠️ **DEPRECATED** |
```

The document keeps the old row for history (its status or note says ``DEPRECATED``,
``retired``, ``decommissioned``, ``obsolete``); its port has been given to, or is free for,
another service: no clash with it. Two live rows on one port still clash.
"""

from __future__ import annotations

import re

from .registry import Entry

# Not "removed" nor "legacy": a note says "TLS removed at the proxy", and legacy services run.
RETIRED_WORDS = frozenset({"deprecated", "retired", "decommissioned", "obsolete", "discontinued"})
_WORD = re.compile(r"[a-z]+")


def retired(entry: Entry) -> bool:
    """Whether a cell of ``entry`` other than its name says the service is deprecated or gone.

    Asked only of rows that clash: the usual row is never looked at.
    """
    for text in entry.cells.values():
        lowered = text.lower()
        if text == entry.service_text or not any(word in lowered for word in RETIRED_WORDS):
            continue
        if not RETIRED_WORDS.isdisjoint(_WORD.findall(lowered)):
            return True
    return False
