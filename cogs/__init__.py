"""Thin Discord adapters: one module per command family, each with `async def setup(bot)`."""
