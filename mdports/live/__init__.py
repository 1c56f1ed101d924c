"""``mdports live``: the document held against what is listening.

:mod:`.sockets` lists the listening sockets of this machine and who holds them,
:mod:`.probe` makes TCP connect checks against another host, :mod:`.check` turns both (and
a compose file's published ports, :func:`~.check.check_preflight`) into findings of the
MP3xx rules.
"""
