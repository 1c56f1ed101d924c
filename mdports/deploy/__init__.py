"""The deployment side: one reader per source, drift checks, and drift fixes in both directions.

Readers, holding the source's records: ``compose``, ``envfile``, ``kubernetes`` and ``targets``
(Prometheus scrape targets, cloudflared tunnel routes), on top of ``notation`` (YAML read as
marked nodes; ports and addresses as the files write them). ``deployment`` holds the
:class:`~mdports.deploy.deployment.Deployment` and reads it from every file of every host;
``discover`` finds those files, ``bootstrap`` writes a first document from them. Drift compares
the deployment with the registry: ``matching`` (which record is which entry), the checks by what
they look at (``port_findings``, ``addresses``) and ``drift`` (the table of checks, ``check``).
``fix_document``, and ``fix_deployment`` with ``fix_plan``, are ``drift --fix``.
"""
