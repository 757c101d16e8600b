"""``manage.py qcluster``: django-q2's worker cluster with a shutdown that cannot hang.

This app is listed before ``django_q`` in INSTALLED_APPS, so this command replaces django-q2's own
(see core/worker_cluster.py for why).
"""

import sys

from django.conf import settings
from django.core.management.base import BaseCommand

from core.worker_cluster import GracefulCluster


class Command(BaseCommand):
    help = (
        "Starts the django-q2 cluster. SIGTERM or SIGINT stops it: tasks in hand get "
        "OPSGATE_WORKER_GRACE_SECONDS to finish, then are killed (the same signal twice kills at once)."
    )

    def handle(self, *args, **options) -> None:
        status = GracefulCluster(grace_seconds=settings.OPSGATE_WORKER_GRACE_SECONDS).run()
        if status:
            sys.exit(status)
