"""avustus: grant round tool for a Finnish wellbeing services county."""
__version__ = "0.1.0"
