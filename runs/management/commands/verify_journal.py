"""``verify_journal [--tenant SLUG] [--run RUN_ID]``: recompute hash chains and projections.

Prints one line per run and exits non-zero if any run's journal is broken, naming its first break.
"""

from django.core.management.base import BaseCommand, CommandError

from runs.journal.verify import journal_verify
from runs.models import Run


class Command(BaseCommand):
    help = "Recompute every journal's hash chain and projection and report the first break."

    def add_arguments(self, parser):
        parser.add_argument("--tenant", help="only this tenant (slug)")
        parser.add_argument("--run", help="only this run id (with --tenant when ids repeat across tenants)")

    def handle(self, *args, **options):
        runs = (
            Run.objects.select_related("tenant").filter(event_count__gt=0).order_by("tenant__slug", "run_id")
        )
        if options["tenant"]:
            runs = runs.filter(tenant__slug=options["tenant"])
        if options["run"]:
            runs = runs.filter(run_id=options["run"])
        checked = broken = 0
        for run in runs.iterator(chunk_size=200):
            verdict = journal_verify(run)
            checked += 1
            where = f"{run.tenant.slug}/{run.run_id}"
            if verdict["ok"]:
                self.stdout.write(f"ok      {where} ({verdict['events']} events)")
                continue
            broken += 1
            if verdict["first_break"]:
                b = verdict["first_break"]
                self.stdout.write(f"BROKEN  {where}: event #{b['seq']} {b['event_id']}: {b['reason']}")
            else:
                self.stdout.write(f"BROKEN  {where}: stored projection differs from a replay of the events")
        if checked == 0 and (options["tenant"] or options["run"]):
            raise CommandError("No run matches.")
        self.stdout.write(f"{checked} run(s) checked, {broken} broken.")
        if broken:
            raise CommandError(f"{broken} journal(s) failed verification.")
