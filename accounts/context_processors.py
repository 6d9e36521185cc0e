def roles(request):
    """Flags the navigation bar needs; permissions are cached on the user for the request."""
    user = request.user
    return {
        "user_is_author": user.has_perm("courses.change_module"),
        "user_is_cme_admin": user.has_perm("accounts.view_learner_records"),
    }
