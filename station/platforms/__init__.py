"""Clients of the centre's outside platforms (the booking platform, the regional blood platform) and the
loopback simulators that stand in for them in tests and the demo."""
