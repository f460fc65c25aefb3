"""Data files of the demo province (agencies, officers, procedures): see ``seed.yaml``."""
