"""Registration desk: ID card -> donor, history, deferrals, queue ticket, manual entry, search."""
