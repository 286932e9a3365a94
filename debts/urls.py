"""The citizen's pages, under the ``citizen`` namespace; each id is looked up among their own."""

from django.urls import path

from . import views

app_name = "citizen"
urlpatterns = [
    path("debts/", views.OverviewView.as_view(), name="overview"),
    path("card/", views.DebtorCardView.as_view(), name="card"),
    path("notices/", views.NoticeListView.as_view(), name="notices"),
    path("notices/new/", views.NoticeNewView.as_view(), name="notice_new"),
    path("notices/new/confirm/", views.NoticeConfirmView.as_view(), name="notice_confirm"),
    path("notices/<int:pk>/", views.NoticeDetailView.as_view(), name="notice"),
    path("notices/<int:pk>/pdf/", views.NoticePdfView.as_view(), name="notice_pdf"),
    path("paravola/", views.ParavoloListView.as_view(), name="paravola"),
    path("paravola/<int:pk>/", views.ParavoloIssueView.as_view(), name="paravolo_issue"),
]
