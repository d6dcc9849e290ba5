"""Routes of the bare baseline views, included under /bench/ only when FACTCHECK_BENCH_VIEWS=true."""

from django.urls import path

from bench import views

urlpatterns = [
    path("rows/insert", views.insert_row, name="bench-insert"),
    path("rows/drf-insert", views.DrfInsertView.as_view(), name="bench-drf-insert"),
    path("rows/", views.select_rows, name="bench-select"),
]
