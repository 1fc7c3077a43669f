"""Read models of the ledger: the views people read, kept up to date from the event log.

- ``projections.follower.Follower`` applies the log to one view, a page per transaction, with
  the view's position stored in the same transaction (``views.positions``): exactly once.
- ``projections.registry.VIEWS`` lists the views: ``record_view``, ``open_deadlines``,
  ``public_disclosure``, ``subject_status`` and ``region_rollup``, each a set of tables in the
  PostgreSQL schema ``views``.
- Each view's module also holds its queries, which read it for the API and the web pages
  (``projections.queries`` holds what they share); ``projections.evaluation``
  scores bodies and regions and raises early warnings from a versioned formula.
- ``projections.rebuild.rebuild`` builds fresh tables from the whole log and swaps them in.

This package imports ``ledger`` only.
"""
