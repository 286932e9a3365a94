"""Login with TaxisNet (GSIS OAuth2) as an allauth provider, linking an account to a debtor card.

Built by the citizen-portal issue; until then the app holds no models and no code.
"""
