"""Numbered receipts and certificates as PDF, rendered and emailed by Celery tasks.

Built by the receipts issue; until then the app holds no models and no code.
"""
