"""Load the demo municipality; safe to run on every start, as ``make run`` does."""

import os

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from debts.models import Debt, Debtor, PaymentNotice, Settlement
from thermi_portal import demo


class Command(BaseCommand):
    help = (
        "Load demo data of the Municipality of Thermi (idempotent): revenue types, rolls, "
        "schemes, named citizens, staff users; with --debtors N, N generated debtors."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--debtors",
            type=int,
            default=0,
            help="Also make sure N generated debtors with about ten debts each exist.",
        )
        parser.add_argument(
            "--password",
            default=os.environ.get("DEMO_PASSWORD", "thermi-demo"),
            help="Password of the demo staff users created (default: $DEMO_PASSWORD or "
            "thermi-demo).",
        )

    def handle(self, *, debtors, password, **options):
        if settings.PRODUCTION:
            raise CommandError("seed_demo loads demo data and refuses to run in production.")
        if not 0 <= debtors <= demo.MAX_GENERATED_DEBTORS:
            raise CommandError(f"--debtors must be from 0 to {demo.MAX_GENERATED_DEBTORS}.")

        today = timezone.localdate()
        ref = demo.seed_reference(today)
        citizens = demo.seed_citizens(ref, today)
        staff, missing_groups = demo.seed_staff(password)
        for group in missing_groups:
            self.stderr.write(
                self.style.WARNING(f"Group «{group}» does not exist: its demo user was skipped.")
            )
        generated = demo.seed_debtors(debtors, ref, today)

        created = f"{citizens} named citizens, {generated} generated debtors"
        if staff:
            created += f", staff users {', '.join(staff)}"
        open_notices = PaymentNotice.objects.filter(status=PaymentNotice.Status.OPEN)
        active_settlements = Settlement.objects.filter(status=Settlement.Status.ACTIVE)
        self.stdout.write(
            f"Created {created}. Now: debtors {Debtor.objects.count()}, "
            f"debts {Debt.objects.count()}, open notices {open_notices.count()}, "
            f"active settlements {active_settlements.count()}."
        )
        self.stdout.write(
            f"Admin: {demo.ADMIN_URL}  user admin  password {password}  "
            "(log in with the email admin@example.org; staff: <user>@example.org)"
        )
        self.stdout.write(
            f"Staff second factor: TOTP secret {demo.DEMO_TOTP_SECRET} "
            "(add it to an authenticator app; shared by all demo staff users)"
        )
