"""The deployment side: one reader per source, drift checks, and drift fixes in both directions.

Readers (one file each, holding the source's records): ``compose``, ``prometheus``,
``envfile``, ``cloudflared``, ``kubernetes``, on top of ``yaml_nodes`` (YAML read as marked
nodes) and ``port_values`` (ports and addresses as the files write them). ``records`` holds
the :class:`~mdports.deploy.deployment.Deployment` that ``load`` reads from every file of every
host. ``drift/`` compares it with the registry; ``fix_document`` and ``fix_deployment`` are
``drift --fix``; ``json_output`` holds the JSON documents the command prints.
"""
