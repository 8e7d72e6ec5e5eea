"""The one-time historical sync: mapping, LinkedIn sync calls, planning, workers, budget, progress."""
