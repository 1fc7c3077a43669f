"""The credit-record ledger: domain model, rules, calendar and the ledger application."""
