from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from linli.accounts import api as accounts_api
from linli.accounts import views as accounts_views
from linli.accounts.api import ObtainToken
from linli.activities import api as activities_api
from linli.care import api as care_api
from linli.cases import api as cases_api
from linli.charity import api as charity_api
from linli.core.ratelimit import by_post, rate_limit
from linli.deliberation import api as deliberation_api
from linli.dispatch import api as dispatch_api
from linli.hotspots import api as hotspots_api
from linli.insights import api as insights_api
from linli.insights import report_api as insights_report_api
from linli.knowledge import api as knowledge_api
from linli.notices import api as notices_api
from linli.org import api as org_api
from linli.partners import api as partners_api
from linli.patrols import api as patrols_api
from linli.reporters import api as reporters_api
from linli.residents import api as residents_api
from linli.volunteers import api as volunteers_api


def _sign_in_limits(view):
    """Password sign-in is a public endpoint too (RL-01): per client, and per account name tried."""
    return rate_limit("sign-in", "60/h")(rate_limit("sign-in-user", "20/h", key=by_post("username"))(view))


api_v1 = [
    path("auth/token/", _sign_in_limits(ObtainToken.as_view()), name="token"),
    path("", include(accounts_api.urlpatterns)),
    path("grids/", org_api.GridList.as_view(), name="grids"),
    path("departments/", org_api.DepartmentList.as_view(), name="departments"),
    path("categories/", cases_api.CategoryList.as_view(), name="categories"),
    path("cases/", cases_api.CaseListCreate.as_view(), name="cases"),
    path("cases/<int:pk>/", cases_api.CaseDetail.as_view(), name="case"),
    path("cases/<int:pk>/transition/", cases_api.CaseTransition.as_view(), name="case-transition"),
    path("cases/<int:pk>/whistles/", cases_api.CaseWhistles.as_view(), name="case-whistles"),
    path("cases/<int:pk>/feedback/", cases_api.CaseFeedback.as_view(), name="case-feedback"),
    path("whistles/<int:pk>/report-in/", cases_api.WhistleReportIn.as_view(), name="whistle-report-in"),
    path("whistles/<int:pk>/answer/", cases_api.WhistleAnswer.as_view(), name="whistle-answer"),
    path("whistles/<int:pk>/accept/", cases_api.WhistleAccept.as_view(), name="whistle-accept"),
    path("whistles/<int:pk>/reject/", cases_api.WhistleReject.as_view(), name="whistle-reject"),
    path("", include(residents_api.urlpatterns)),
    path("", include(notices_api.urlpatterns)),
    path("", include(reporters_api.urlpatterns)),
    path("", include(care_api.urlpatterns)),
    path("", include(patrols_api.urlpatterns)),
    path("", include(deliberation_api.urlpatterns)),
    path("", include(dispatch_api.urlpatterns)),
    path("", include(knowledge_api.urlpatterns)),
    path("", include(hotspots_api.urlpatterns)),
    path("", include(partners_api.urlpatterns)),
    path("", include(volunteers_api.urlpatterns)),
    path("", include(activities_api.urlpatterns)),
    path("", include(charity_api.urlpatterns)),
    path("", include(insights_api.urlpatterns)),
    path("", include(insights_report_api.urlpatterns)),
]

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="cases:my_work", permanent=False)),
    path("accounts/login/", _sign_in_limits(accounts_views.sign_in), name="login"),
    path("accounts/logout/", accounts_views.sign_out, name="logout"),
    path("accounts/", include("linli.accounts.urls")),
    path("cases/", include("linli.cases.urls")),
    path("residents/", include("linli.residents.urls")),
    path("notices/", include("linli.notices.urls")),
    path("r/", include("linli.public.urls")),
    path("reporter/", include("linli.reporters.urls")),
    path("open311/v2/", include("linli.open311.urls")),
    path("care/", include("linli.care.urls")),
    path("patrols/", include("linli.patrols.urls")),
    path("meetings/", include("linli.deliberation.urls")),
    path("dispatch/", include("linli.dispatch.urls")),
    path("knowledge/", include("linli.knowledge.urls")),
    path("hotspots/", include("linli.hotspots.urls")),
    path("partners/", include("linli.partners.urls")),
    path("volunteers/", include("linli.volunteers.urls")),
    path("activities/", include("linli.activities.urls")),
    path("charity/", include("linli.charity.urls")),
    path("insights/", include("linli.insights.report_urls")),
    path("insights/", include("linli.insights.urls")),
    path("api/v1/", include((api_v1, "api"))),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
