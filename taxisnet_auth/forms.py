"""allauth's forms with the portal's words: real labels instead of placeholders, one term for a
password ("κωδικός πρόσβασης") and one for a second-factor code, on every page."""

from allauth.account import forms as account_forms
from allauth.mfa.base import forms as mfa_forms
from allauth.mfa.totp import forms as totp_forms
from allauth.socialaccount import forms as socialaccount_forms
from django.utils.translation import gettext_lazy as _

LABELS = {
    "login": _("Email"),
    "email": _("Email"),
    "password": _("Κωδικός πρόσβασης"),
    "oldpassword": _("Τρέχων κωδικός πρόσβασης"),
    "password1": _("Νέος κωδικός πρόσβασης"),
    "password2": _("Ο νέος κωδικός πρόσβασης, ξανά"),
    "remember": _("Να παραμείνει η σύνδεση σε αυτή τη συσκευή"),
    "code": _("Κωδικός επαλήθευσης"),
}
# The pages link to the password reset themselves; allauth's link sits inside the field's hint.
HELP_TEXTS = {
    "password": "",
    "oldpassword": "",
    "code": _("Οι 6 αριθμοί που δείχνει τώρα η εφαρμογή επαλήθευσης."),
}


# What to do, rather than Django's "this field is required".
REQUIRED = {
    "login": _("Γράψτε το email σας."),
    "email": _("Γράψτε το email σας."),
    "password": _("Γράψτε τον κωδικό πρόσβασης."),
    "oldpassword": _("Γράψτε τον τρέχοντα κωδικό πρόσβασης."),
    "password1": _("Γράψτε τον νέο κωδικό πρόσβασης."),
    "password2": _("Γράψτε ξανά τον νέο κωδικό πρόσβασης."),
    "code": _("Γράψτε τον κωδικό επαλήθευσης."),
}


class PortalWording:
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.label = LABELS.get(name, field.label)
            field.help_text = HELP_TEXTS.get(name, field.help_text)
            if name in REQUIRED:
                field.error_messages["required"] = REQUIRED[name]
            field.widget.attrs.pop("placeholder", None)


class LoginForm(PortalWording, account_forms.LoginForm):
    pass


class SetPasswordForm(PortalWording, account_forms.SetPasswordForm):
    pass


class ChangePasswordForm(PortalWording, account_forms.ChangePasswordForm):
    pass


class ResetPasswordForm(PortalWording, account_forms.ResetPasswordForm):
    pass


class ResetPasswordKeyForm(PortalWording, account_forms.ResetPasswordKeyForm):
    pass


class AddEmailForm(PortalWording, account_forms.AddEmailForm):
    pass


class ReauthenticateForm(PortalWording, account_forms.ReauthenticateForm):
    pass


class SignupForm(PortalWording, socialaccount_forms.SignupForm):
    pass


class AuthenticateForm(PortalWording, mfa_forms.AuthenticateForm):
    pass


class MFAReauthenticateForm(PortalWording, mfa_forms.ReauthenticateForm):
    pass


class ActivateTOTPForm(PortalWording, totp_forms.ActivateTOTPForm):
    pass
