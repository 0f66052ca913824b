"""MlopsProjectDisplayName: data preparation, training, evaluation and serving of a tabular classifier."""

__version__ = "0.1.0"
