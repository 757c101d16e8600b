from django.urls import path

from tenancy.api.operator_api import views

urlpatterns = [
    path("register", views.RegisterApi.as_view(), name="auth-register"),
    path("login", views.LoginApi.as_view(), name="auth-login"),
    path("me", views.MeApi.as_view(), name="auth-me"),
    path(".well-known/jwks.json", views.JwksApi.as_view(), name="auth-jwks"),
]
