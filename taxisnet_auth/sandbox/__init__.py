"""The portal's stand-in for GSIS's OAuth2 server, for development and tests only."""
