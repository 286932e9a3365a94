"""The receipts' pages: the public verification of a code, a citizen's own receipt, and the
citizen's pages of the certificate of no ΤΑΠ debt."""

from django.urls import path

from . import certificate_views, views

app_name = "receipts"
urlpatterns = [
    path("verify/", views.VerifyFormView.as_view(), name="verify_form"),
    path("verify/<str:code>/", views.VerifyView.as_view(), name="verify"),
    path("receipts/<int:pk>/pdf/", views.ReceiptPdfView.as_view(), name="pdf"),
    path("certificates/", certificate_views.CertificatesView.as_view(), name="certificates"),
    path(
        "certificates/request/",
        certificate_views.CertificateRequestView.as_view(),
        name="certificate_ask",
    ),
    path(
        "certificates/requests/<int:pk>/",
        certificate_views.CertificateRequestDetailView.as_view(),
        name="certificate_request",
    ),
    path(
        "certificates/<int:pk>/pdf/",
        certificate_views.CertificatePdfView.as_view(),
        name="certificate_pdf",
    ),
]
