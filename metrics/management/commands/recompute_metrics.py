from django.core.management.base import BaseCommand
from tqdm import tqdm

from metrics.services import metrics_recompute_all


class Command(BaseCommand):
    help = "Recompute every incident's metrics (both views) and the aggregates, with a progress bar and a summary."

    def add_arguments(self, parser):
        parser.add_argument("--no-progress", action="store_true", help="No progress bar (for logs and cron).")

    def handle(self, *args, no_progress, **options):
        bar = tqdm(total=0, unit="incident", disable=no_progress, file=self.stderr)

        def progress(done, total):
            bar.total = total
            bar.update(done - bar.n)

        try:
            summary = metrics_recompute_all(progress=progress)
        finally:
            bar.close()

        def rebuilt(count):
            return "unchanged (nothing they depend on changed)" if count == "unchanged" else f"{count} rebuilt"

        self.stdout.write(
            self.style.SUCCESS(
                f"Recomputed {summary['incidents']} incidents in {summary['seconds']:.1f} s: "
                f"{summary['written']} metric rows written, {summary['unchanged']} unchanged, "
                f"{summary['deleted']} deleted; aggregates: {rebuilt(summary['aggregates'])}; "
                f"response aggregates: {rebuilt(summary['response_aggregates'])}."
            )
        )
