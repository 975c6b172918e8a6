"""Who uses the service and whom it serves: access, accounts, identifiers, consent, audit."""
