"""Indexes for the optional foreign keys, which most rows leave empty."""

from django.db import models
from django.db.models import Q


def where_set(field: str, name: str) -> models.Index:
    """An index on ``field`` holding only the rows that have one.

    Django's index on a nullable foreign key takes an entry for every row inserted, empty or
    not, and another for every new version of the row an update writes: a bank payment (no
    cashier, no installment, no settlement, no roll…) paid for a dozen of them. Every look-up
    such an index serves asks for a value (a user's, a roll's, a settlement's rows, and the
    database's own check when one of those is deleted), which this smaller index answers alike.
    """
    return models.Index(fields=[field], condition=Q(**{f"{field}__isnull": False}), name=name)
