"""The portal's stand-in for GSIS's OAuth2 server, for development and tests only.

It speaks GSIS's protocol over real HTTP (authorize page, token, XML userinfo with its trailing
spaces and character entities, JSON errors, consent refusal, logout), answers only while
``settings.TAXISNET_SANDBOX`` is on, and production refuses to start with it on.
"""
