"""Helpers the tests share; fixtures stay in the conftest.py files and call these.

- ``world``: the province the tests live in (clock, codes, actors, a typical filing).
- ``api``, ``departments``, ``cli``: the API and the command line as the tests drive them.
- ``registers``: the usual commitment, lead, short filing, formula and warning.
- ``projections``, ``command_mix``, ``register_mix``: followers driven by hand, table
  snapshots, views made for the tests, and random command sequences.
- ``engines``, ``fake_activities``: Temporal's servers, workers and faked activities.
- ``load``, ``processes``, ``tally``, ``tamper``: what the fault and tamper tests do.
"""
