"""Helpers the tests share: the province they run in, the API and views as tests drive them,
the registers' usual commands, and the engines behind deadlines. Fixtures stay in conftest.py."""
