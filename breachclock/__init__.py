"""breachclock's application layer: settings, services over the legal record, the CLI and the demo.

``models`` holds the record, ``playbooks`` the law and procedures as data,
``notifications`` the channels and templates, ``flows`` the Prefect
orchestration; this package holds the services they share and the CLI.
"""
