"""Account refusals with the stable codes of API.md."""

from __future__ import annotations

from syllabus.kit.errors import AppError, Conflict, Forbidden, Unauthorized


class EmailTaken(Conflict):
    code = "email_taken"
    title = "Email already registered"


class WeakPassword(AppError):
    code = "weak_password"
    status = 422
    title = "Password too weak"


class InvalidCode(AppError):
    code = "invalid_code"
    status = 400
    title = "Invalid or expired code"


class InvalidCredentials(Unauthorized):
    code = "invalid_credentials"
    title = "Wrong email or password"


class AccountNotActive(Forbidden):
    code = "account_not_active"
    title = "Account not activated"


class AccountBanned(Forbidden):
    code = "account_banned"
    title = "Account banned"


class InvalidRefreshToken(Unauthorized):
    code = "invalid_token"
    title = "Invalid or expired session"


class TokenReused(Unauthorized):
    code = "token_reused"
    title = "Session token reused"


class InvalidResetToken(AppError):
    code = "invalid_token"
    status = 400
    title = "Invalid or expired reset link"


class WrongPassword(AppError):
    code = "wrong_password"
    status = 400
    title = "Current password is wrong"


class LastSignInMethod(Conflict):
    code = "last_sign_in_method"
    title = "Cannot remove the only way to sign in"


class AlreadyInstructor(Conflict):
    code = "already_instructor"
    title = "Already an instructor"


class ApplicationPending(Conflict):
    code = "application_pending"
    title = "Application already pending"


class OAuthAccountTaken(Conflict):
    code = "oauth_account_taken"
    title = "Linked to another account"


class ProviderAlreadyLinked(Conflict):
    code = "provider_already_linked"
    title = "Provider already linked"


class EmailNotVerified(AppError):
    code = "email_not_verified"
    status = 400
    title = "Email not verified by the provider"


class OAuthFailed(AppError):
    code = "oauth_failed"
    status = 400
    title = "Sign-in with the provider failed"


class ApplicationDecided(Conflict):
    code = "application_decided"
    title = "Application already decided"


class CannotDemoteSelf(Conflict):
    code = "cannot_demote_self"
    title = "Admins cannot demote themselves"


class CannotBanSelf(Conflict):
    code = "cannot_ban_self"
    title = "Admins cannot ban themselves"


class AlreadyBanned(Conflict):
    code = "already_banned"
    title = "User already banned"


class NotBanned(Conflict):
    code = "not_banned"
    title = "User is not banned"
