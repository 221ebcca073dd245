import pytest
from django.urls import reverse

from linli.cases.choices import Action, Status
from linli.cases.models import Case, CaseEvent
from linli.cases.selectors import kpis
from linli.knowledge.models import Answer
from linli.knowledge.selectors import best_matches

pytestmark = pytest.mark.django_db

ASK = "想问一下公租房怎么申请"


def consultation(new_case):
    return new_case(title=ASK, description="家里住房困难，想了解公租房申请条件")


def gongzu():
    return Answer.objects.get(question__startswith="公租房")


def test_the_seeded_answers_exist(world):
    assert Answer.objects.filter(community__isnull=True).count() >= 10
    assert Answer.objects.filter(question__contains="人才绿卡").exists()


def test_best_matches_rank_public_housing_first(world):
    matches = best_matches(ASK, world.owner)
    assert matches[0].answer == gongzu()
    assert 0 < matches[0].score <= 1
    assert best_matches("", world.owner) == []


def test_a_community_answer_is_not_offered_to_another_community(world):
    Answer.objects.create(question="燕宇社区公租房摇号时间", answer="每季度末", community=world.yanyu)
    assert all(m.answer.community is None for m in best_matches("燕宇社区公租房摇号", world.owner, k=10))
    assert any(m.answer.community == world.yanyu for m in best_matches("燕宇社区公租房摇号", world.outsider))


def test_the_fragment_suggests_answers_to_staff(client, world):
    client.force_login(world.owner)
    response = client.get(reverse("knowledge:suggest"), {"title": ASK, "description": ""})
    assert response.status_code == 200
    assert "公租房怎么申请" in response.content.decode()


def test_the_fragment_is_not_for_a_reporter(client, world):
    client.force_login(world.reporter)
    assert client.get(reverse("knowledge:suggest"), {"title": ASK}).status_code == 404
    assert client.get(reverse("knowledge:list")).status_code == 403


def test_the_case_page_offers_the_answer_while_open(client, world, new_case):
    case = consultation(new_case)
    client.force_login(world.owner)
    body = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert 'id="knowledge"' in body and "公租房怎么申请" in body


def test_answering_closes_the_case_and_counts_in_the_rates(client, world, new_case):
    case = consultation(new_case)
    answer = gongzu()
    client.force_login(world.owner)
    response = client.post(
        reverse("knowledge:answer_case", args=[case.pk]), {"answer": answer.pk, "version": case.version}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Status.CLOSED
    assert case.result == answer.answer
    assert case.responded_at and case.resolved_at and case.closed_at
    assert case.resolved_by == world.owner
    event = CaseEvent.objects.get(case=case, action=Action.DIRECT_ANSWER)
    assert event.data == {"answer_id": answer.pk}
    answer.refresh_from_db()
    assert answer.times_used == 1
    rates = kpis(Case.objects.filter(pk=case.pk))
    assert rates["response_rate"] == 100.0
    assert rates["resolution_rate"] == 100.0
    assert rates["open"] == 0
    body = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert 'id="knowledge"' not in body


def test_an_edited_answer_is_the_result(api, world, new_case):
    case = consultation(new_case)
    response = api.as_(world.secretary).post(
        f"/api/v1/knowledge/answers/{gongzu().pk}/answer-case/",
        {"case": case.pk, "version": case.version, "text": "请带户口本到社区申请"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == Status.CLOSED
    case.refresh_from_db()
    assert case.result == "请带户口本到社区申请"


def test_the_outsider_gets_404(api, client, world, new_case):
    case = consultation(new_case)
    url = f"/api/v1/knowledge/answers/{gongzu().pk}/answer-case/"
    assert api.as_(world.outsider).post(url, {"case": case.pk}, format="json").status_code == 404
    client.force_login(world.outsider)
    assert (
        client.post(reverse("knowledge:answer_case", args=[case.pk]), {"answer": gongzu().pk}).status_code
        == 404
    )
    case.refresh_from_db()
    assert case.status != Status.CLOSED


def test_another_communitys_answer_is_404(api, world, new_case):
    case = consultation(new_case)
    other = Answer.objects.create(question="燕宇社区公租房", answer="每季度末", community=world.yanyu)
    url = f"/api/v1/knowledge/answers/{other.pk}/answer-case/"
    assert api.as_(world.owner).post(url, {"case": case.pk}, format="json").status_code == 404


def test_only_handlers_may_answer(world, new_case):
    from linli.core.errors import NotAllowed
    from linli.knowledge.services import answer_case

    case = consultation(new_case)
    with pytest.raises(NotAllowed):
        answer_case(answer=gongzu(), case=case, actor=world.dept)
    case.refresh_from_db()
    assert case.status == Status.ASSIGNED


def test_a_stale_version_is_409(api, world, new_case):
    case = consultation(new_case)
    response = api.as_(world.owner).post(
        f"/api/v1/knowledge/answers/{gongzu().pk}/answer-case/",
        {"case": case.pk, "version": case.version - 1},
        format="json",
    )
    assert response.status_code == 409
    assert response.json()["code"] == "stale_version"


def test_a_closed_case_cannot_be_answered_again(api, world, new_case):
    case = consultation(new_case)
    client = api.as_(world.owner)
    url = f"/api/v1/knowledge/answers/{gongzu().pk}/answer-case/"
    assert client.post(url, {"case": case.pk}, format="json").status_code == 200
    response = client.post(url, {"case": case.pk}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
    assert Answer.objects.get(pk=gongzu().pk).times_used == 1


def test_search_api(api, world):
    response = api.as_(world.owner).get("/api/v1/knowledge/search/", {"q": ASK})
    assert response.status_code == 200
    assert response.json()[0]["answer"]["question"].startswith("公租房")
    assert api.as_(world.reporter).get("/api/v1/knowledge/search/", {"q": ASK}).status_code == 404


def test_a_secretary_keeps_their_communitys_answers(client, world):
    client.force_login(world.secretary)
    response = client.post(
        reverse("knowledge:add"),
        {
            "question": "西宁道社区助餐点在哪",
            "answer": "西宁道12号",
            "community": world.xiningdao.pk,
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    answer = Answer.objects.get(question="西宁道社区助餐点在哪")
    assert answer.community == world.xiningdao
    assert client.get(reverse("knowledge:edit", args=[gongzu().pk])).status_code == 403  # global: admins only
    client.force_login(world.owner)
    assert client.get(reverse("knowledge:add")).status_code == 403
    assert client.get(reverse("knowledge:detail", args=[answer.pk])).status_code == 200
    client.force_login(world.outsider)
    assert client.get(reverse("knowledge:detail", args=[answer.pk])).status_code == 404


@pytest.mark.parametrize(
    "status", [s for s in Status.values if s not in (Status.RECEIVED, Status.ASSIGNED, Status.IN_PROGRESS)]
)
def test_a_direct_answer_outside_the_table_is_refused(world, new_case, status):
    from linli.cases.services import case_answer_directly
    from linli.core.errors import Conflict

    case = new_case()
    Case.objects.filter(pk=case.pk).update(status=status)
    case.refresh_from_db()
    with pytest.raises(Conflict) as exc:
        case_answer_directly(case=case, actor=world.secretary, answer="x")
    assert exc.value.code == "invalid_transition"
    assert not CaseEvent.objects.filter(case=case, action=Action.DIRECT_ANSWER).exists()
