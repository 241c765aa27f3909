"""The Locust adapter: sending users, rate dispatchers, round runner (the only package that imports locust)."""
