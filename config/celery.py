import os

from celery import Celery

# Workers run what is deployed: production settings unless the environment names another
# module (`make run` names the development settings).
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

app = Celery("marketplace")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
