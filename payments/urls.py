from django.urls import path

from . import card_views
from .views import PaymentHistoryView
from .webhooks import stripe_webhook

app_name = "payments"
urlpatterns = [
    path("", PaymentHistoryView.as_view(), name="history"),
    path("card/notice/<int:pk>/", card_views.CardStartView.as_view(), name="card_start"),
    path("card/<uuid:pk>/", card_views.CardAttemptView.as_view(), name="card"),
    path("card/<uuid:pk>/submit/", card_views.CardSubmitView.as_view(), name="card_submit"),
    path("card/<uuid:pk>/return/", card_views.CardReturnView.as_view(), name="card_return"),
    path("card/<uuid:pk>/status/", card_views.CardStatusView.as_view(), name="card_status"),
    path("card/<uuid:pk>/cancel/", card_views.CardCancelView.as_view(), name="card_cancel"),
]
# The gateway's webhook: outside the language prefixes (thermi_portal.urls).
webhook_urlpatterns = [path("stripe/webhook/", stripe_webhook, name="stripe_webhook")]
