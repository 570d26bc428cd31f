import os

from django.core.wsgi import get_wsgi_application

# The web server runs what is deployed: production settings (DEBUG off) unless the
# environment names another module. A development checkout is served by manage.py.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
application = get_wsgi_application()
