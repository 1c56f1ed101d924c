"""Validation: the rule catalogue, the document rules, findings and their fixes."""
