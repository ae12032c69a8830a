import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "myhealthhub.settings")
# What the web process writes (documents, exports, the database's journal) is
# readable by its owner only, as under the `myhealthhub` command.
os.umask(0o077)

application = get_wsgi_application()
