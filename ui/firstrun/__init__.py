"""The first-run wizard: set up a station PC (database, records store, CA, devices) and write its configuration."""
