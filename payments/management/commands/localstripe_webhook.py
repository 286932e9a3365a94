"""``manage.py localstripe_webhook --url http://127.0.0.1:8000/payments/stripe/webhook/``:
localstripe (at ``STRIPE_API_BASE``) sends its webhooks to the portal; ``make run`` calls it."""

from django.core.management.base import BaseCommand, CommandError

from payments import gateway


class Command(BaseCommand):
    help = "Register the portal's webhook with localstripe (development only)."

    def add_arguments(self, parser):
        parser.add_argument("--url", required=True, help="The portal's webhook address.")

    def handle(self, *args, url, **options):
        try:
            gateway.register_local_webhook(url)
        except (ValueError, OSError) as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"localstripe sends its webhooks to {url}")
