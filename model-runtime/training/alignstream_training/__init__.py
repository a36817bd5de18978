"""Training, export and evaluation of alignstream's default model bundle (see docs/training.md)."""
