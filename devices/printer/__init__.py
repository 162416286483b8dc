"""Label printers: ISBT 128 labels as ZPL, sent over TCP 9100 or serial; a simulator that keeps the jobs."""
