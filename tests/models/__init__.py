"""Tests of the embedded default model and of its build."""
