"""The device intake: the one place where a device message becomes a record. `service.DeviceIntake` stores every
message raw the moment it arrives, whoever is signed in (or nobody), then matches it to a donation or leaves it on
the unmatched list; `messages` holds the use cases on stored messages (filing, the unmatched queue, linking)."""
