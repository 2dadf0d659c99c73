"""Google Cloud Functions adapter (the deployed bundle has main.py at its root, no package)."""
