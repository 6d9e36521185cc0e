import calendar
import zoneinfo

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django_countries.fields import CountryField

from accounts.validators import validate_board_id, validate_npi


class UserManager(BaseUserManager):
    use_in_migrations = True

    @classmethod
    def normalize_email(cls, email):
        """The whole address in lower case: `ALICE@Example.com` and `alice@example.com` are
        one account (a database constraint says so too). Model forms reach this through
        `User.clean()`, so the admin stores addresses the same way."""
        return (email or "").strip().lower()

    def get_by_natural_key(self, username):
        return self.get(email=self.normalize_email(username))

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        """`createsuperuser`: the operator at the server's console vouches for the address,
        so it is recorded as confirmed (accounts.emails.record_confirmed_email)."""
        from accounts.emails import record_confirmed_email

        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        user = self._create_user(email, password, **extra_fields)
        record_confirmed_email(user)
        return user


class User(AbstractUser):
    """A person who signs in with an e-mail address: a learner, an author or an administrator.

    First and last name are the parts certifying boards match on (PARS completion records);
    the name printed on a certificate lives on the profile.
    """

    username = None
    email = models.EmailField("e-mail address", unique=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        ordering = ["email"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                name="user_email_unique_ignoring_case",
                violation_error_message="An account already uses this e-mail address.",
            ),
        ]

    def __str__(self):
        return self.email


class Designation(models.TextChoices):
    MD = "MD", "MD"
    DO = "DO", "DO"
    PA = "PA", "PA (physician assistant)"
    NP = "NP", "NP (nurse practitioner)"
    RN = "RN", "RN (registered nurse)"
    PHARMD = "PharmD", "PharmD (pharmacist)"
    OTHER = "other", "Other"


PHYSICIAN_DESIGNATIONS = frozenset({Designation.MD, Designation.DO})


def time_zone_choices():
    return [(name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones())]


class Profile(models.Model):
    """What a CME certificate and a board completion report need to know about a learner."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    certificate_name = models.CharField(
        "legal name for certificates",
        max_length=200,
        blank=True,
        help_text="Exactly as it must print on your certificates, e.g. “Maria L. Gómez”.",
    )
    designation = models.CharField(
        "professional designation", max_length=10, choices=Designation.choices, blank=True
    )
    designation_other = models.CharField(
        "other designation", max_length=50, blank=True, help_text="If you chose “Other”."
    )
    npi = models.CharField(
        "NPI",
        max_length=10,
        blank=True,
        validators=[validate_npi],
        help_text="Optional. Your 10-digit US National Provider Identifier.",
    )
    birth_month = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        choices=[(m, calendar.month_name[m]) for m in range(1, 13)],
        help_text="Certifying boards identify you by ID with month and day of birth.",
    )
    birth_day = models.PositiveSmallIntegerField(null=True, blank=True)
    reports_to_boards = models.BooleanField(
        "report my completions to my certifying boards",
        default=False,
        help_text="Your completions are sent to ACCME's PARS for your boards only if you agree.",
    )
    reports_to_boards_changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    country = CountryField(blank=True)
    region = models.CharField("state or region", max_length=100, blank=True)
    time_zone = models.CharField(
        max_length=64,
        default="UTC",
        choices=time_zone_choices,
        help_text="Completion dates on your certificates are given in this time zone.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    # Changed only by accounts.profiles.update_profile (the learner's consent is dated); read-only
    # in every admin.
    STATE_FIELDS = ("reports_to_boards", "reports_to_boards_changed_at")

    class Meta:
        permissions = [("view_learner_records", "Can see learners' records and personal data")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(birth_month__isnull=True)
                | models.Q(birth_month__gte=1, birth_month__lte=12),
                name="profile_birth_month_in_range",
            ),
            models.CheckConstraint(
                condition=models.Q(birth_day__isnull=True)
                | models.Q(birth_day__gte=1, birth_day__lte=31),
                name="profile_birth_day_in_range",
            ),
        ]

    def __str__(self):
        return f"Profile of {self.user}"

    def clean(self):
        if (self.birth_month is None) != (self.birth_day is None):
            raise ValidationError("Give both the month and the day of birth, or neither.")
        if self.birth_month and self.birth_day:
            days_in_month = calendar.monthrange(2000, self.birth_month)[1]  # 2000: leap year
            if self.birth_day > days_in_month:
                month = calendar.month_name[self.birth_month]
                raise ValidationError({"birth_day": f"{month} has no day {self.birth_day}."})
        if self.designation == Designation.OTHER and not self.designation_other:
            raise ValidationError({"designation_other": "Say which designation you hold."})

    @property
    def is_physician(self) -> bool:
        return self.designation in PHYSICIAN_DESIGNATIONS

    @property
    def designation_label(self) -> str:
        if self.designation == Designation.OTHER:
            return self.designation_other
        return self.designation

    def printed_name(self) -> str:
        """The name a certificate prints: the legal name, else the account's full name."""
        return self.certificate_name or self.user.get_full_name() or self.user.email


class CertifyingBoard(models.TextChoices):
    ABIM = "ABIM", "American Board of Internal Medicine"
    ABA = "ABA", "American Board of Anesthesiology"
    ABP = "ABP", "American Board of Pediatrics"
    ABS = "ABS", "American Board of Surgery"
    ABPATH = "ABPath", "American Board of Pathology"
    ABD = "ABD", "American Board of Dermatology"
    ABFM = "ABFM", "American Board of Family Medicine"
    ABOTO = "ABOto", "American Board of Otolaryngology - Head and Neck Surgery"


class BoardIdentifier(models.Model):
    """A learner's ID with one certifying board; boards' ID formats differ (all alphanumeric),
    so it is text of letters and digits."""

    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="board_ids")
    board = models.CharField(max_length=10, choices=CertifyingBoard.choices)
    identifier = models.CharField("board ID", max_length=40, validators=[validate_board_id])

    class Meta:
        ordering = ["board"]
        constraints = [
            models.UniqueConstraint(fields=["profile", "board"], name="one_id_per_board"),
        ]

    def __str__(self):
        return f"{self.board} {self.identifier}"
