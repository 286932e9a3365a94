"""The citizen's pages under one ``citizen`` namespace: the portal's, which compose several apps,
and those of the receivables alone (``debts.urls``)."""

from django.urls import path

from debts import urls as debts_urls

from . import views

app_name = "citizen"
urlpatterns = [
    path("debts/", views.OverviewView.as_view(), name="overview"),
    path("card/", views.DebtorCardView.as_view(), name="card"),
    *debts_urls.urlpatterns,
]
