"""Prefect flows: thin orchestration over breachclock's services.

Flows and tasks take and return ids only (Prefect stores parameters and
results in plain text); the services in :mod:`breachclock` do the work.
Import :mod:`flows.runtime` and call ``configure_prefect()`` before
importing a flow module, so Prefect picks up breachclock's defaults.
"""
