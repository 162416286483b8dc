"""Cell separators: one procedure model, a documented JSON-lines adapter, vendor plug-ins, a simulator."""
