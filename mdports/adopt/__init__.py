"""``mdports init``: adopting mdports in a repository, in one command.

:mod:`~mdports.adopt.plan` writes what :mod:`mdports.deploy.discover` found,
:mod:`~mdports.adopt.wiring` the team's workflow (``.gitattributes``, the merge driver, a hook,
a CI workflow), and :mod:`~mdports.adopt.plan` holds the steps, shown (``--dry-run``) or taken.
"""
