"""Whether a Protocol column labels application protocols: an unknown word there is a label, not an error.

``| Protocol |`` holding ``tcp``, ``udp``, ``TCP/UDP`` says how each port is reached; a word there
that is no transport (``tpc``, ``sctp``) is a mistake (MP007). A column of application protocols
and no transport (``HTTP REST``, ``gRPC``, ``DIS``, ``Process``) labels what each row speaks: an
unknown word there is one more label (IEEE 1278's DIS, a daemon's "Process"), not a wrong
transport, and the row's transport is what its port cell or the default says.
"""

from __future__ import annotations

import re

from ..syntax.document import Table
from .ports import TRANSPORTS, strip_markup
from .vocabulary import read_protocol

_WORD = re.compile(r"[a-z]+")


def labels_applications(block: Table, column: int) -> bool:
    """Whether ``column`` of ``block`` names application protocols (``HTTP``) and no transport (``tcp``).

    Asked only of a table with a protocol cell mdports cannot read: one scan of one column.
    """
    applications = False
    for row in block.body:
        if column >= len(row.texts):
            continue
        text = strip_markup(row.texts[column]).lower()
        words = _WORD.findall(text)
        if any(word in TRANSPORTS for word in words):
            return False
        applications = applications or bool(words and read_protocol(text))  # not a blank or a dash
    return applications
