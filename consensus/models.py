"""Consensus decisions (ToR III.2.2): issue 3."""
