"""Working groups, products and the annual workplan (ToR I.2, III.2.2): issue 5."""
