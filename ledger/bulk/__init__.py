"""Importing files: records, leads and ratings from CSV, JSON Lines or xlsx, checked row by row
and appended in bounded groups."""
