"""``field__any=values``: ``IN`` for a batch of thousands of values, as one parameter.

``field__in`` sends one placeholder per value: for a bank file's batch of 2,000 notices each such
statement had Django prepare 2,000 values and psycopg parse 2,000 placeholders, a text too long
for its cache, every time. On PostgreSQL ``= ANY(%s)`` takes the values as one array; elsewhere
this is ``IN``. The values are given as the column holds them (ids, not instances).
"""

from django.core.exceptions import EmptyResultSet
from django.db.models import Field, ForeignObject, Lookup


@ForeignObject.register_lookup
@Field.register_lookup
class AnyOf(Lookup):
    lookup_name = "any"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        values = list(self.rhs)
        if not values:
            raise EmptyResultSet
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(%s)", [*lhs_params, values]
        return f"{lhs} IN ({', '.join(['%s'] * len(values))})", [*lhs_params, *values]
