"""GSIS's four endpoints, as the portal meets them.

Codes and tokens are signed and short-lived instead of stored, so that any web worker can answer
any request. A code can thus be redeemed more than once within its two minutes, which GSIS would
refuse; nothing the portal does depends on that.
"""

from functools import wraps
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.core import signing
from django.http import Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.http.request import split_domain_port, validate_host
from django.shortcuts import render
from django.utils import translation
from django.utils.crypto import constant_time_compare
from django.utils.html import escape
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language_from_path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from debts.models import Debtor
from debts.validators import normalize_afm

from .. import gsis
from ..views import callback_path
from .forms import ConsentForm

CODE_SALT = "taxisnet_auth.sandbox.code"
TOKEN_SALT = "taxisnet_auth.sandbox.token"  # noqa: S105 (a salt, not a secret)
CODE_MAX_AGE = 120
TOKEN_MAX_AGE = 600
LISTED_CITIZENS = 20
# The named citizens ``seed_demo`` creates (``thermi_portal.demo``, which a test keeps in step),
# each in a situation worth logging in as: listed first, whatever their kind.
NAMED_DEMO_AFMS = ("068933130", "094014201", "998451274", "114283901", "057318625")
# GSIS pads every value with spaces; the portal must strip them.
PADDING = "   "


def sandbox_only(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not settings.TAXISNET_SANDBOX:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def _is_client(client_id: str, secret: str | None = None) -> bool:
    app = gsis.provider_settings()["APP"]
    known = constant_time_compare(client_id, app["client_id"])
    if secret is not None:
        known = constant_time_compare(secret, app["secret"]) and known
    return known


def _oauth_error(error: str, description: str, status: int = 400) -> JsonResponse:
    return JsonResponse({"error": error, "error_description": description}, status=status)


def _redirect_back(redirect_uri: str, **params) -> HttpResponseRedirect:
    """To the client's callback, which ``_authorization_problem`` made sure has no query."""
    return HttpResponseRedirect(f"{redirect_uri}?{urlencode(params)}")


def _authorization_problem(oauth: dict) -> str | None:
    """Why GSIS would refuse this request outright, without sending the browser back."""
    if oauth["response_type"] != "code":
        return "response_type"
    if not _is_client(oauth["client_id"]):
        return "client_id"
    # ΚΕ.Δ registers one redirect URI per client: the portal's callback, without a language
    # prefix. The sandbox accepts it on any host the portal answers to (127.0.0.1, localhost…).
    redirect_uri = urlsplit(oauth["redirect_uri"])
    domain, _port = split_domain_port(redirect_uri.netloc)
    if (
        redirect_uri.scheme not in ("http", "https")
        or not validate_host(domain, settings.ALLOWED_HOSTS)
        or redirect_uri.path != callback_path()
        or redirect_uri.query
    ):
        return "redirect_uri"
    return None


def demo_citizens() -> list[Debtor]:
    """The named demo citizens, then the first persons by name."""
    named = Debtor.objects.filter(afm__in=NAMED_DEMO_AFMS)
    others = Debtor.objects.filter(kind=Debtor.Kind.PERSON).exclude(afm__in=NAMED_DEMO_AFMS)
    return [*named, *others[:LISTED_CITIZENS]]


@sandbox_only
@require_http_methods(["GET", "POST"])
def authorize(request):
    """GSIS's login and consent page: pick a demo citizen or type any ΑΦΜ, then consent or not."""
    params = request.GET if request.method == "GET" else request.POST
    oauth = {
        name: params.get(name, "")
        for name in ("response_type", "client_id", "redirect_uri", "scope", "state")
    }
    problem = _authorization_problem(oauth)
    if problem:
        return render(request, "taxisnet_auth/sandbox/error.html", {"problem": problem}, status=400)
    if request.method == "POST" and request.POST.get("decision") == "deny":
        return _redirect_back(
            oauth["redirect_uri"],
            error="access_denied",
            error_description="The user denied consent",
            state=oauth["state"],
        )
    form = ConsentForm(request.POST or None, citizens=demo_citizens())
    if form.is_valid():
        debtor = Debtor.objects.filter(afm=normalize_afm(form.chosen_afm)).first()
        grant = {
            "client_id": oauth["client_id"],
            "redirect_uri": oauth["redirect_uri"],
            "userinfo": form.userinfo(debtor),
            "fault": form.cleaned_data["fault"],
        }
        code = signing.dumps(grant, salt=CODE_SALT)
        return _redirect_back(oauth["redirect_uri"], code=code, state=oauth["state"])
    return render(request, "taxisnet_auth/sandbox/authorize.html", {"form": form, "oauth": oauth})


@csrf_exempt
@sandbox_only
@require_POST
def token(request):
    """Redeem a code for a bearer token; errors are JSON, as GSIS sends them."""
    data = request.POST
    if data.get("grant_type") != "authorization_code":
        return _oauth_error("unsupported_grant_type", "Only authorization_code is supported")
    if not _is_client(data.get("client_id", ""), data.get("client_secret", "")):
        return _oauth_error("invalid_client", "Bad client credentials", status=401)
    try:
        grant = signing.loads(data.get("code", ""), salt=CODE_SALT, max_age=CODE_MAX_AGE)
    except signing.BadSignature:
        return _oauth_error("invalid_grant", "Invalid or expired authorization code")
    if grant["client_id"] != data["client_id"] or grant["redirect_uri"] != data.get("redirect_uri"):
        return _oauth_error("invalid_grant", "The code was issued to another client or URI")
    if grant["fault"] == "token":
        return _oauth_error("server_error", "The sandbox was asked to fail here")
    access_token = signing.dumps(
        {"userinfo": grant["userinfo"], "fault": grant["fault"]}, salt=TOKEN_SALT
    )
    return JsonResponse(
        {
            "access_token": access_token,
            "token_type": "bearer",
            "expires_in": TOKEN_MAX_AGE,
            "scope": "read",
        }
    )


def userinfo_xml(userinfo: dict[str, str]) -> bytes:
    """GSIS's answer: one element, every value padded, everything beyond ASCII as ``&#NNN;``."""
    attributes = " ".join(f'{name}="{escape(value + PADDING)}"' for name, value in userinfo.items())
    return f"<root><userinfo {attributes}/></root>".encode("ascii", "xmlcharrefreplace")


@sandbox_only
@require_GET
def userinfo(request):
    scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
    try:
        if scheme.lower() != "bearer":
            raise signing.BadSignature
        grant = signing.loads(credentials, salt=TOKEN_SALT, max_age=TOKEN_MAX_AGE)
    except signing.BadSignature:
        return _oauth_error("invalid_token", "Invalid or expired access token", status=401)
    if grant["fault"] == "userinfo_json":
        return _oauth_error("server_error", "The sandbox was asked to fail here", status=200)
    if grant["fault"] == "userinfo_500":
        return _oauth_error("server_error", "The sandbox was asked to fail here", status=500)
    if request.GET.get("format") != "xml":
        return _oauth_error("invalid_request", "The sandbox answers only format=xml")
    return HttpResponse(userinfo_xml(grant["userinfo"]), content_type="application/xml")


@sandbox_only
@require_GET
def logout(request, client_id):
    """GSIS's logout page; it offers the way back only to a URL of this very portal, and speaks
    the language of that URL (``/en/`` after logging out of the English site), as the citizen
    left it: the sandbox lives outside the language prefixes, so it would otherwise be Greek."""
    if not _is_client(client_id):
        return render(
            request, "taxisnet_auth/sandbox/error.html", {"problem": "client_id"}, status=400
        )
    url = request.GET.get("url", "")
    safe = url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    language = get_language_from_path(urlsplit(url).path) if safe else None
    with translation.override(language or settings.LANGUAGE_CODE):
        response = render(
            request, "taxisnet_auth/sandbox/logout.html", {"return_url": url if safe else ""}
        )
        response["Content-Language"] = translation.get_language()
    return response
