"""Fingerprint scanners: capture model, serial driver, optional libfprint backend, simulator."""
