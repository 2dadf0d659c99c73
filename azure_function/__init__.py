"""Azure Functions adapter (the deployed bundle has function_app.py at its root, no package)."""
