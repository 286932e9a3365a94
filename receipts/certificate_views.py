"""The citizen's pages of the certificate of no ΤΑΠ debt: their properties and certificates, the
request, the page of a request waiting on its payment, and their certificate as a PDF.

Views stay thin: the rule is ``debts.tap``'s, the reads ``receipts.selectors``', the changes
``receipts.certificates``', and every object is looked up among the logged-in citizen's own, so
another's id is not found (404).
"""

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.generic import DetailView, TemplateView, View

from debts.access import CitizenRequiredMixin
from debts.epc_qr import notice_qr_data_uri
from debts.models import PaymentNotice
from debts.selectors import notice_lines
from debts.tap import TAP_RULE

from . import certificate_pdf
from .certificates import request_certificate
from .selectors import properties_with_standing


class CertificatesView(CitizenRequiredMixin, TemplateView):
    """The citizen's properties, each with whether it owes ΤΑΠ and a button to ask, in a form of
    its own with a new one-time token (``form_token``); and every certificate issued to them."""

    template_name = "receipts/certificates.html"

    def get_context_data(self, **kwargs):
        properties = properties_with_standing(self.debtor)
        for property in properties:
            property.form_token = uuid.uuid4()
        return super().get_context_data(
            properties=properties,
            certificates=self.debtor.certificates.select_related("revocation"),
            rule=TAP_RULE,
            **kwargs,
        )


class CertificateRequestView(CitizenRequiredMixin, View):
    """Ask for a property's certificate: issued at once, or the request waiting on its notice.
    The form sent twice (a double click) gets what it got the first time."""

    def post(self, request, *args, **kwargs):
        try:
            property_id = int(request.POST.get("property", ""))
        except ValueError:
            messages.error(request, _("Επιλέξτε ένα ακίνητο."))
            return redirect("receipts:certificates")
        try:
            form_token = uuid.UUID(request.POST.get("form_token", ""))
        except ValueError:  # a page opened before tokens were rendered: it is shown anew
            messages.error(request, _("Η σελίδα δεν ισχύει πια: ζητήστε τη βεβαίωση ξανά."))
            return redirect("receipts:certificates")
        try:
            asked = request_certificate(
                self.debtor, property_id, requested_by=request.user, form_token=form_token
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("receipts:certificates")
        if asked.certificate is not None:
            messages.success(
                request,
                _("Εκδόθηκε η βεβαίωση μη οφειλής ΤΑΠ %(number)s.")
                % {"number": asked.certificate.display_number},
            )
            return redirect("receipts:certificates")
        return redirect("receipts:certificate_request", pk=asked.request.pk)


class CertificateRequestDetailView(CitizenRequiredMixin, DetailView):
    """A request waiting on its notice: exactly what to pay, and how; once paid, the
    certificate."""

    template_name = "receipts/certificate_request.html"
    context_object_name = "certificate_request"

    def get_queryset(self):
        return self.debtor.certificate_requests.select_related(
            "tap_property", "notice", "certificate__revocation"
        )

    def get_context_data(self, **kwargs):
        notice = self.object.notice
        payable = notice.current_status == PaymentNotice.Status.OPEN
        return super().get_context_data(
            notice=notice,
            lines=notice_lines(notice),
            payable=payable,
            qr_code=notice_qr_data_uri(notice) if payable else None,
            rule=TAP_RULE,
            **kwargs,
        )


class CertificatePdfView(CitizenRequiredMixin, View):
    """The citizen's own certificate as kept; ``?download=1`` saves it instead of opening it."""

    def get(self, request, *args, **kwargs):
        certificate = get_object_or_404(self.debtor.certificates, pk=kwargs["pk"])
        return certificate_pdf.pdf_response(
            certificate, as_attachment=bool(request.GET.get("download"))
        )
