"""Around the chairs: consumption ledger, daily figures, the regional platform check, bookings and the call queue."""
