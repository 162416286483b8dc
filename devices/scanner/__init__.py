"""Serial barcode scanners (keyboard-wedge scanners are handled by the UI)."""
