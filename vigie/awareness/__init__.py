"""Prevention: the tips of the week (``knowledge/tips/``), who receives them and when."""
