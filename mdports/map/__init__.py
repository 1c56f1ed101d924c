"""``mdports map``: the port space of a document as a picture (terminal, Markdown, SVG, HTML).

:mod:`.space` derives the picture's model from the registry (bands, runs of ports, lanes of
running hosts, free blocks, drift); :mod:`.text` (terminal, Markdown) and :mod:`.graphics`
(SVG, HTML) only render it.
"""
