"""Formatting results for people and tools: text, JSON, SARIF, listings and exports, escaping and colour."""
