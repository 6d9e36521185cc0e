"""How passwords are stored: Argon2id at the cost OWASP's password storage guidance lists
first (19 MiB of memory, 2 passes, 1 lane). See docs/decisions/0004-argon2id-passwords.md."""

from django.contrib.auth.hashers import Argon2PasswordHasher


class Argon2idPasswordHasher(Argon2PasswordHasher):
    """Django's Argon2 hasher (Argon2id) with OWASP's parameters instead of Django's
    (100 MiB, 8 lanes), which cost five times the CPU of a log-in on a small server.
    Hashes made with other parameters are re-made at the next log-in."""

    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1
