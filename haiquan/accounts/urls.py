from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("password/done/", views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("second-factor/", views.second_factor, name="second_factor"),
    path("enrol/<str:key>/", views.enrol, name="enrol"),
    path("language/", views.language_set, name="language"),
]
