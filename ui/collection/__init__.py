"""Collection chair (nurse): pre-collection check, live separator, reactions, post-collection, sealing, signing."""
