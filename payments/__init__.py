"""Payments from every channel (card, bank/DIAS, counter), their state machine and reconciliation.

Built by the payments issue; until then the app holds no models and no code.
"""
