from django.contrib.auth.hashers import Argon2PasswordHasher


class ClinicArgon2Hasher(Argon2PasswordHasher):
    """Argon2id sized for a 2-core clinic server.

    Two lanes match the two cores; 64 MiB and three passes cost roughly a tenth of a second per
    login here, which is slow for an attacker with a stolen table and unnoticeable for a nurse.
    """

    algorithm = "argon2"
    time_cost = 3
    memory_cost = 65536
    parallelism = 2
