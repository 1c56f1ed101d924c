"""The registry model read off a document: ports, sections, entries, references, and the words tables are read by."""
