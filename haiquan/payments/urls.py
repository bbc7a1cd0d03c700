from django.urls import path

from . import views

app_name = "payments"

urlpatterns = [
    path("declarations/<int:pk>/pay/", views.pay, name="pay"),
    path("orders/<str:reference>/", views.order_detail, name="order"),
    path("bank/<str:reference>/", views.bank_page, name="bank"),
    path("receipts/<str:number>/", views.receipt_detail, name="receipt"),
]
