"""The HTTP side of the API: authentication, errors, pagination, schema, serializer blocks."""
