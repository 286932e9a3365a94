"""The receipts' pages: the public verification of a code, and a citizen's own receipt."""

from django.urls import path

from . import views

app_name = "receipts"
urlpatterns = [
    path("verify/", views.VerifyFormView.as_view(), name="verify_form"),
    path("verify/<str:code>/", views.VerifyView.as_view(), name="verify"),
    path("receipts/<int:pk>/pdf/", views.ReceiptPdfView.as_view(), name="pdf"),
]
