"""`sprankel admin`: the operator's commands on a data folder (or the Redis store)."""
