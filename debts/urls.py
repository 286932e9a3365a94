app_name = "citizen"
urlpatterns = []
