"""The outbox: every notice that leaves breachclock leaves through :func:`models.outbox.service.send`."""
