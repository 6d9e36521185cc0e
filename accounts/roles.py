"""The roles of the site, as Django groups, and the permissions each one holds.

This is the one place that says what a course author or a CME administrator may do.
Data migrations call `sync_roles` whenever the list changes.
"""

COURSE_AUTHORS = "Course authors"
CME_ADMINISTRATORS = "CME administrators"
REVIEWERS = "Reviewers"

# The author area (courses.views, courses.views_editor, the quizzes question editor) needs
# only these; objectives, faculty, references and designations are edited through the
# module editor's domain functions (courses.authoring), which check courses.change_module,
# so authors hold no change permissions on those rows in the Django admin (issue 14).
_AUTHORING = [
    "courses.add_module",
    "courses.change_module",
    "courses.view_module",
    "courses.preview_module",
    "courses.publish_module",
    "courses.view_topic",
    "courses.view_credittype",
    "quizzes.add_posttest",
    "quizzes.change_posttest",
    "quizzes.view_posttest",
    "quizzes.add_question",
    "quizzes.change_question",
    "quizzes.view_question",
]

# Reviewers comment on a module edition section by section and approve it or ask for
# changes (courses.reviews); they read the author area but edit nothing. CME administrators
# review too.
_REVIEWING = [
    "courses.view_module",
    "courses.preview_module",
    "courses.review_module",
    "quizzes.view_posttest",
    "quizzes.view_question",
]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    COURSE_AUTHORS: _AUTHORING,
    REVIEWERS: _REVIEWING,
    CME_ADMINISTRATORS: [
        *_AUTHORING,
        "courses.review_module",
        "courses.restore_module",
        "courses.change_credittype",
        "courses.add_credittype",
        "accounts.view_user",
        "accounts.view_profile",
        "accounts.view_learner_records",
        "quizzes.grant_attempts",
        "quizzes.view_participation",
        "quizzes.view_attempt",
        "quizzes.view_attemptgrant",
        "certificates.view_certificate",
        "certificates.revoke_certificate",
        "certificates.reissue_certificate",
        "certificates.view_creditclaim",
        "certificates.view_evaluation",
        "certificates.view_certificateevent",
        "auditlog.view_logentry",
        "quizzes.view_regrade",
        "reporting.view_delivery",
        "reporting.change_delivery",
    ],
}


def sync_roles(apps) -> None:
    """Create the role groups and give each exactly the permissions listed above.

    Takes a migration's `apps` registry (historical models) or `django.apps.apps`.
    """
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        # A migration's historical app configs have no models module, which
        # create_permissions takes to mean "no models"; lend them one for the call.
        historical = getattr(app_config, "models_module", None) is None
        if historical:
            app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        if historical:
            app_config.models_module = None

    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    for role, codenames in ROLE_PERMISSIONS.items():
        group, _ = group_model.objects.get_or_create(name=role)
        permissions = []
        for dotted in codenames:
            app_label, codename = dotted.split(".")
            permission = permission_model.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).first()
            # An earlier migration runs this before a later app's models exist; that app's
            # own migration calls sync_roles again once they do.
            if permission is not None:
                permissions.append(permission)
        group.permissions.set(permissions)


def is_course_author(user) -> bool:
    return user.is_authenticated and user.groups.filter(name=COURSE_AUTHORS).exists()


def is_cme_administrator(user) -> bool:
    return user.is_authenticated and (
        user.is_superuser or user.groups.filter(name=CME_ADMINISTRATORS).exists()
    )


def is_reviewer(user) -> bool:
    return user.is_authenticated and user.has_perm("courses.review_module")
