"""The load test: simulated learners through gunicorn and Celery (run.py drives it)."""
