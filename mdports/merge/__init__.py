"""The three-way merge of port documents by meaning, the git merge driver: prose as text, tables by entry."""
