"""The domain of the apheresis donation station: models, workflow, rules, services, CLI."""

__version__ = "0.1.0"
