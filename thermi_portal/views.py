"""Pages that belong to no single app."""

from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect
from django.views.generic import TemplateView

from debts.access import debtor_of


class HomeView(TemplateView):
    """What the portal does and how to log in; a citizen already logged in goes to their debts."""

    template_name = "home.html"

    def get(self, request, *args, **kwargs):
        if debtor_of(request.user) is not None:
            return redirect("citizen:overview")
        return super().get(request, *args, **kwargs)


def health(request):
    """Liveness and database readiness, for the load balancer and docker-compose."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
