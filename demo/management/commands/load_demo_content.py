from django.core.management.base import BaseCommand

from demo.content import load_demo_content


class Command(BaseCommand):
    help = "Load the demo module (the nemolizumab commentary) and its post-test. Idempotent."

    def handle(self, *args, **options):
        module, created = load_demo_content()
        if created:
            self.stdout.write(self.style.SUCCESS(f"Loaded demo module “{module.title}”."))
        else:
            self.stdout.write(f"Demo module “{module.title}” is already loaded; nothing changed.")
