"""The municipality's receivables: debtors, debts, settlements, notices, RF codes, surcharges."""
