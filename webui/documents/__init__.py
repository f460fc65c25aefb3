"""Printed papers of the one-stop counter (Circular 03/2025 forms), rendered as PDF.

Flask-free: each module takes plain data and returns PDF bytes, so the web pages, the CLI
and tests share them. Text is Unicode throughout (DejaVu fonts) for Vietnamese diacritics.
"""
