"""The secretariat's dashboard and cross-app notices (ToR IV): issue 7."""
