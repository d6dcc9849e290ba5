"""The WSGI application: Django, behind the request body limit (factcheck.http.bodylimit), which
must see the raw `wsgi.input` before Django builds its request."""

import os

from django.core.wsgi import get_wsgi_application

from factcheck.http.bodylimit import RequestBodyLimit

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings")
application = RequestBodyLimit(get_wsgi_application())
