"""Hematology analyzers: ASTM E1381/E1394 over serial (Sysmex XN) and HL7 v2.3.1 over MLLP (Mindray BC)."""
