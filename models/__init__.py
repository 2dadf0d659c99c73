"""Embedded models shipped with the repository and the code that builds them."""
