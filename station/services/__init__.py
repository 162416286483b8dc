"""Every use case of the station, each a function taking the acting user: permission check, one transaction, an
audit entry. Donors, donations, records signing, users, quality and oversight are modules here; the larger domains
are sub-packages: `archiving/` (one-click archiving), `operations/` (bookings, call queue, consumption ledger,
daily figures, the regional check) and `intake/` (the one headless device intake)."""
