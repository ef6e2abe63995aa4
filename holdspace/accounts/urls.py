from django.urls import path

from holdspace.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.sign_in, name="login"),
    path("two-factor/", views.two_factor_step, name="two_factor"),
    path("logout/", views.sign_out, name="logout"),
    path("password/", views.change_password, name="password"),
    path("invite/<str:uidb64>/<str:token>/", views.accept_invite, name="accept_invite"),
]
