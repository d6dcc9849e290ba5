"""Behaviour shared by the API's views."""

from __future__ import annotations

from typing import Any

from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import serializers
from rest_framework.request import Request

from factcheck import logcontext
from factcheck.http.requestid import bind_api_user


class StrictQueryParamsMixin:
    """Refuse query parameters a view does not document, and empty ones (400 naming them): a
    mistyped filter (`?stat=researching`) must not silently return everything.

    A list request accepts its filters, ordering and pagination parameters, exactly the ones the
    schema lists for it; any other request accepts none.

    It also puts the API's user and, for a view about one ticket, the ticket's id (the URL keyword
    `log_ticket_kwarg` names) on the log context (factcheck.logcontext)."""

    log_ticket_kwarg: str | None = "ticket_id"

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        bind_api_user(request)
        ticket_id = kwargs.get(self.log_ticket_kwarg) if self.log_ticket_kwarg else None
        if ticket_id is not None:
            logcontext.bind(ticket_id=int(ticket_id))
        if getattr(self, request.method.lower(), None) is None:
            return  # not a method of this view: dispatch answers 405
        allowed = self.query_params_allowed(request)
        errors = {
            name: ["Unknown query parameter."]
            for name in request.query_params
            if name not in allowed
        }
        errors |= {
            name: ["May not be empty; leave the parameter out instead."]
            for name, value in request.query_params.items()
            if name in allowed and value == ""
        }
        if errors:
            raise serializers.ValidationError(dict(sorted(errors.items())))

    def query_params_allowed(self, request: Request) -> set[str]:
        if not self.is_list_request(request):
            return set()
        names: set[str] = set()
        filterset_class = getattr(self, "filterset_class", None)
        for backend_class in getattr(self, "filter_backends", []):
            if issubclass(backend_class, DjangoFilterBackend):
                names |= set(filterset_class.base_filters) if filterset_class else set()
            else:
                names |= {p["name"] for p in backend_class().get_schema_operation_parameters(self)}
        paginator = getattr(self, "paginator", None)
        if paginator is not None:
            names |= {p["name"] for p in paginator.get_schema_operation_parameters(self)}
        return names

    def is_list_request(self, request: Request) -> bool:
        if hasattr(self, "action"):  # a viewset
            return self.action == "list"
        return request.method == "GET" and getattr(self, "pagination_class", None) is not None
