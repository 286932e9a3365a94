"""The citizen's pages of the receivables; each id is looked up among their own.

The portal puts them, with its pages that compose several apps, under the ``citizen`` namespace
(``thermi_portal.citizen_urls``), so every citizen page is reversed as ``citizen:<name>``.
"""

from django.urls import path

from . import views

urlpatterns = [
    path("notices/", views.NoticeListView.as_view(), name="notices"),
    path("notices/new/", views.NoticeNewView.as_view(), name="notice_new"),
    path("notices/new/confirm/", views.NoticeConfirmView.as_view(), name="notice_confirm"),
    path("notices/<int:pk>/", views.NoticeDetailView.as_view(), name="notice"),
    path("notices/<int:pk>/pdf/", views.NoticePdfView.as_view(), name="notice_pdf"),
    path("paravola/", views.ParavoloListView.as_view(), name="paravola"),
    path("paravola/<int:pk>/", views.ParavoloIssueView.as_view(), name="paravolo_issue"),
]
