"""Fixes: the remedies of findings, made by the edit operations (a layer above :mod:`mdports.edits`)."""
