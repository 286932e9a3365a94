"""Login with TaxisNet (GSIS OAuth2) as an allauth provider, linking an account to a debtor card.

``provider``, ``views`` and ``urls`` are the allauth provider; ``adapters`` decide how accounts
are opened, tied to a card and left; ``services`` tie an account to a card; ``sandbox`` is the
portal's stand-in for GSIS, for development and tests. (The admin's login and second factor are
``thermi_portal.admin_site``'s.)
"""
