def roles(request):
    """Flags the navigation bar needs; permissions are cached on the user for the request."""
    user = request.user
    return {
        # Authors, and reviewers (who read the author area and its reviews)
        "user_is_author": user.has_perm("courses.change_module")
        or user.has_perm("courses.review_module"),
        "user_is_cme_admin": user.has_perm("accounts.view_learner_records"),
    }
