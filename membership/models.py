"""Membership, the Terms of Reference and their versions (ToR III.1, V, VI, VII): issue 4."""
