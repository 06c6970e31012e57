"""Each outside library in exactly one module: Excel, SQLite, templates, charts, number formatting."""
