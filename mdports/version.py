"""The version of mdports: one place, read by flit when it builds, by ``mdports --version`` and the servers.

A module of its own, below every other, so that the SARIF writer, the servers and the CLI do not
import the package's root (which loads the public API) to learn it.
"""

__version__ = "0.1.0"
