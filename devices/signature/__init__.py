"""Handwritten signatures: pen samples after ISO/IEC 19794-7, PNG rendering, serial pad driver, simulator."""
