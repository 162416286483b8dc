"""The donor signing tablet: a second top-level window facing the donor."""
