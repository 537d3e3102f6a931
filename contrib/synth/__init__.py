"""Synthetic data generation: teachers, pipelines, generation runs and samples."""
