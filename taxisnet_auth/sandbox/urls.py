"""GSIS's endpoints, under ``/gsis-sandbox/oauth2server/`` (outside the language prefixes)."""

from django.urls import path

from . import views

app_name = "taxisnet_sandbox"
urlpatterns = [
    path("oauth/authorize", views.authorize, name="authorize"),
    path("oauth/token", views.token, name="token"),
    path("userinfo", views.userinfo, name="userinfo"),
    path("logout/<str:client_id>/", views.logout, name="logout"),
]
