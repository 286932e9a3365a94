"""Numbered receipts as PDF, rendered and emailed by Celery tasks, and verifiable by anyone.

``services`` issues a receipt in the payment's transaction; ``tasks`` renders (``pdf``) and emails
(``delivery``) it after the commit; ``views`` serve the public verification page and a citizen's
own PDF; ``admin`` lets staff find and read receipts.
"""
