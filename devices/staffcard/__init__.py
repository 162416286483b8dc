"""Staff cards over PC/SC: the card monitor (pyscard) and a virtual staff card for vsmartcard's vpcd."""
