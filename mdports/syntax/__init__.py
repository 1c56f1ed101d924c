"""The lossless Markdown layer: blocks that keep their text, and how a table writes itself."""
