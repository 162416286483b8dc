"""The call queue: the waiting-room display and the "call the next donor" panel of desks and chairs."""
