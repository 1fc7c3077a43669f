"""A deterministic sample of Fujian records for newcomers and demos: the plan, then each record's
life played on a moving clock, then the registers, ratings and warnings."""
