from django.urls import path

from .views import PaymentHistoryView

app_name = "payments"
urlpatterns = [path("", PaymentHistoryView.as_view(), name="history")]
