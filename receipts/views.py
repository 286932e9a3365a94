"""The public verification page of a receipt or a certificate, and a citizen's own receipt as a
PDF."""

from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.views.generic import TemplateView, View

from debts.access import CitizenRequiredMixin

from .pdf import pdf_response
from .verification import certificate_by_code, normalise_code, receipt_by_code


class VerifyFormView(TemplateView):
    """Where a code read off a paper receipt is typed; it leads to the receipt's page."""

    template_name = "receipts/verify.html"

    def get(self, request, *args, **kwargs):
        code = normalise_code(request.GET.get("code", ""))
        if code:
            return redirect("receipts:verify", code=code)
        return super().get(request, *args, **kwargs)


class VerifyView(TemplateView):
    """Anyone holding a receipt, or a certificate of no ΤΑΠ debt, checks that the municipality
    issued it, without logging in.

    The page says only what the paper already shows a holder, the payer (or holder) masked: the
    code is proof of holding the paper, not of being the person. An unknown code answers 404.
    """

    template_name = "receipts/verify.html"

    def get(self, request, *args, **kwargs):
        receipt = receipt_by_code(kwargs["code"])
        if receipt is None:
            certificate = certificate_by_code(kwargs["code"])
            if certificate is not None:
                return TemplateResponse(
                    request, "receipts/verify_certificate.html", {"certificate": certificate}
                )
        context = self.get_context_data(receipt=receipt, code=kwargs["code"], checked=True)
        return self.render_to_response(context, status=200 if receipt else 404)


class ReceiptPdfView(CitizenRequiredMixin, View):
    """The citizen's own receipt, as kept (rendered now if the worker has not yet);
    ``?download=1`` saves it instead of opening it."""

    def get(self, request, *args, **kwargs):
        receipt = get_object_or_404(self.debtor.receipts, pk=kwargs["pk"])
        return pdf_response(receipt, as_attachment=bool(request.GET.get("download")))
