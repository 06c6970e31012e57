"""The pure core: frozen dataclasses, rules, allocation, deadlines and value parsing.

Nothing here touches files, databases, templates or the terminal."""
