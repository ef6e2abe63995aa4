from django.urls import path

from holdspace.audit import views

app_name = "audit"
urlpatterns = [path("", views.audit_report, name="report")]
