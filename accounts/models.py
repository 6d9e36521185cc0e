import calendar
import zoneinfo

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django_countries.fields import CountryField

from accounts.validators import (
    LICENSE_NUMBER_MAX_LENGTH,
    validate_birth_month_and_day,
    validate_board_id,
    validate_license_number,
    validate_nabp_epid,
    validate_nccpa_id,
    validate_npi,
)


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


# The column of the ePID and NCCPA ID is wider than either shape: their validators say what
# the shape is (with a message that shows it), and a looser shape needs no new column.
IDENTIFIER_COLUMN_LENGTH = 20


def time_zone_choices():
    return [(name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones())]


class Profile(models.Model):
    """What a CME certificate and the registries' reports need to know about a learner.

    The identifiers each reporting channel needs (DOMAIN.md, interprofessional credit):
    ACCME PARS for physicians' boards takes board IDs (BoardIdentifier) or the NPI with the
    month and day of birth; NABP CPE Monitor takes the NABP e-Profile ID with the month and
    day of birth; AAPA rosters take the NCCPA ID; state registries take state licenses
    (StateLicense). Each channel has its own consent, dated when it changes
    (accounts.profiles.update_profile). What a claim still lacks is said by
    accounts.identifiers.missing_identifiers.
    """

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
    nabp_epid = models.CharField(
        "NABP e-Profile ID (ePID)",
        max_length=IDENTIFIER_COLUMN_LENGTH,
        blank=True,
        validators=[validate_nabp_epid],
        help_text="Pharmacists and pharmacy technicians: the number on your NABP e-Profile "
        "(up to 7 digits). CPE Monitor records your ACPE credit under it, matched with your "
        "month and day of birth.",
    )
    nccpa_id = models.CharField(
        "NCCPA ID",
        max_length=IDENTIFIER_COLUMN_LENGTH,
        blank=True,
        validators=[validate_nccpa_id],
        help_text="Physician assistants, optional: your NCCPA number (6 to 10 digits), "
        "which AAPA uses to match your Category 1 credit.",
    )
    reports_to_boards = models.BooleanField(
        "report my completions to my certifying boards",
        default=False,
        help_text="Your completions are sent to ACCME's PARS for your boards only if you agree.",
    )
    reports_to_boards_changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    reports_to_cpe_monitor = models.BooleanField(
        "report my completions to NABP CPE Monitor",
        default=False,
        help_text="Your ACPE credit exists only once it is in CPE Monitor; we send your "
        "completions there only if you agree.",
    )
    reports_to_cpe_monitor_changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    reports_to_state_boards = models.BooleanField(
        "report my completions to my state licensing boards",
        default=False,
        help_text="Some states track continuing education by license number; we send your "
        "completions to them only if you agree.",
    )
    reports_to_state_boards_changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    country = CountryField(blank=True)
    region = models.CharField("state or region", max_length=100, blank=True)
    time_zone = models.CharField(
        max_length=64,
        default="UTC",
        choices=time_zone_choices,
        help_text="Completion dates on your certificates are given in this time zone.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    # Changed only by accounts.profiles.update_profile (the learner's consent to each channel
    # is dated); read-only in every admin.
    STATE_FIELDS = (
        "reports_to_boards",
        "reports_to_boards_changed_at",
        "reports_to_cpe_monitor",
        "reports_to_cpe_monitor_changed_at",
        "reports_to_state_boards",
        "reports_to_state_boards_changed_at",
    )

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
            validate_birth_month_and_day(month=self.birth_month, day=self.birth_day)
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
    """The certifying boards that take MOC completions through ACCME PARS (DOMAIN.md,
    interprofessional credit): the only boards a learner can give an ID for."""

    ABA = "ABA", "American Board of Anesthesiology"
    ABIM = "ABIM", "American Board of Internal Medicine"
    ABOHNS = "ABOHNS", "American Board of Otolaryngology - Head and Neck Surgery"
    ABOS = "ABOS", "American Board of Orthopaedic Surgery"
    ABPATH = "ABPath", "American Board of Pathology"
    ABP = "ABP", "American Board of Pediatrics"
    ABPMR = "ABPMR", "American Board of Physical Medicine and Rehabilitation"
    ABS = "ABS", "American Board of Surgery"
    ABTS = "ABTS", "American Board of Thoracic Surgery"


# Boards the profile once offered that do not report through PARS. Their IDs stay stored
# (nothing a learner saved is lost), are shown read-only on the profile page, and are never
# reported; a learner cannot add new ones.
BOARDS_NOT_REPORTING_THROUGH_PARS = {
    "ABD": "American Board of Dermatology",
    "ABFM": "American Board of Family Medicine",
}


class BoardIdentifierQuerySet(models.QuerySet):
    def reported_through_pars(self):
        """The IDs for boards that take completions through PARS (CertifyingBoard)."""
        return self.filter(board__in=CertifyingBoard.values)

    def not_reported_through_pars(self):
        """IDs kept from boards that do not report through PARS (ABD, ABFM)."""
        return self.exclude(board__in=CertifyingBoard.values)


class BoardIdentifier(models.Model):
    """A learner's ID with one certifying board; boards' ID formats differ (all alphanumeric),
    so it is text of letters and digits.

    Only the boards in CertifyingBoard (those reporting through ACCME PARS) are offered.
    Rows for ABD and ABFM, which the profile offered before and which do not report through
    PARS, are kept as they were saved: shown read-only on the profile page as "not reported
    through PARS", never reported (`BoardIdentifier.objects.reported_through_pars()`), and
    deleted with the rest when the account is closed. ABOto became ABOHNS (migration 0010).
    """

    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="board_ids")
    board = models.CharField(max_length=10, choices=CertifyingBoard.choices)
    identifier = models.CharField("board ID", max_length=40, validators=[validate_board_id])

    objects = BoardIdentifierQuerySet.as_manager()

    class Meta:
        ordering = ["board"]
        constraints = [
            models.UniqueConstraint(fields=["profile", "board"], name="one_id_per_board"),
        ]

    def __str__(self):
        return f"{self.board} {self.identifier}"

    @property
    def board_name(self) -> str:
        """The board's full name, also for a board that no longer reports through PARS."""
        if self.board in CertifyingBoard.values:
            return CertifyingBoard(self.board).label
        return BOARDS_NOT_REPORTING_THROUGH_PARS.get(self.board, self.board)


class USState(models.TextChoices):
    """US states, the District of Columbia and the territories that license health
    professionals, by their two-letter USPS codes."""

    AL = "AL", "Alabama"
    AK = "AK", "Alaska"
    AZ = "AZ", "Arizona"
    AR = "AR", "Arkansas"
    CA = "CA", "California"
    CO = "CO", "Colorado"
    CT = "CT", "Connecticut"
    DE = "DE", "Delaware"
    DC = "DC", "District of Columbia"
    FL = "FL", "Florida"
    GA = "GA", "Georgia"
    HI = "HI", "Hawaii"
    ID = "ID", "Idaho"
    IL = "IL", "Illinois"
    IN = "IN", "Indiana"
    IA = "IA", "Iowa"
    KS = "KS", "Kansas"
    KY = "KY", "Kentucky"
    LA = "LA", "Louisiana"
    ME = "ME", "Maine"
    MD = "MD", "Maryland"
    MA = "MA", "Massachusetts"
    MI = "MI", "Michigan"
    MN = "MN", "Minnesota"
    MS = "MS", "Mississippi"
    MO = "MO", "Missouri"
    MT = "MT", "Montana"
    NE = "NE", "Nebraska"
    NV = "NV", "Nevada"
    NH = "NH", "New Hampshire"
    NJ = "NJ", "New Jersey"
    NM = "NM", "New Mexico"
    NY = "NY", "New York"
    NC = "NC", "North Carolina"
    ND = "ND", "North Dakota"
    OH = "OH", "Ohio"
    OK = "OK", "Oklahoma"
    OR = "OR", "Oregon"
    PA = "PA", "Pennsylvania"
    RI = "RI", "Rhode Island"
    SC = "SC", "South Carolina"
    SD = "SD", "South Dakota"
    TN = "TN", "Tennessee"
    TX = "TX", "Texas"
    UT = "UT", "Utah"
    VT = "VT", "Vermont"
    VA = "VA", "Virginia"
    WA = "WA", "Washington"
    WV = "WV", "West Virginia"
    WI = "WI", "Wisconsin"
    WY = "WY", "Wyoming"
    AS = "AS", "American Samoa"
    GU = "GU", "Guam"
    MP = "MP", "Northern Mariana Islands"
    PR = "PR", "Puerto Rico"
    VI = "VI", "U.S. Virgin Islands"


class StateLicense(models.Model):
    """A learner's license to practise in one state, for one profession: what state
    registries that track continuing education match completions on (DOMAIN.md: ANCC,
    "license number and state where a state tracks CE electronically"; AMA credit for state
    medical boards through PARS). A learner may hold several (one per state and profession).
    Changed only through accounts.profiles.update_profile."""

    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="state_licenses")
    state = models.CharField(max_length=2, choices=USState.choices)
    number = models.CharField(
        "license number",
        max_length=LICENSE_NUMBER_MAX_LENGTH,
        validators=[validate_license_number],
        help_text="As your state prints it: letters, digits and hyphens, e.g. MD-123456.",
    )
    profession = models.CharField(
        max_length=10,
        choices=Designation.choices,
        help_text="The profession the license is for.",
    )

    class Meta:
        ordering = ["state", "profession"]
        constraints = [
            models.UniqueConstraint(
                fields=["profile", "state", "profession"],
                name="one_license_per_state_and_profession",
                violation_error_message="You already have a license for this state and "
                "profession; change that one instead.",
            ),
        ]

    def __str__(self):
        return f"{self.state} {self.profession} {self.number}"
