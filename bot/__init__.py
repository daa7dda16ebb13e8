"""Tayori (便り): a private Discord companion built on one advice core."""

__version__ = "0.1.0"
