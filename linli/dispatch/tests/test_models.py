import pytest
from django.core.management import CommandError, call_command

from linli.cases import services as cases
from linli.cases.models import Case, Category, Whistle
from linli.dispatch import selectors, services
from linli.dispatch.evaluate import Dataset, DatasetError
from linli.dispatch.models import DispatchModel
from linli.dispatch.tasks import train_model

from .test_evaluate import run

DRAIN = ("楼下下水道堵了污水漫出来", "下水道堵塞反水", "化粪池满了下水不通", "楼道口污水井冒水")
FIRE = ("消防栓没有水", "灭火器过期了", "楼道消防门坏了", "消防通道被堵死")
NOISE = ("楼上装修噪音太大", "半夜施工噪音扰民", "广场舞音响声音太大", "烧烤店半夜吵闹")


def test_train_from_csv_stores_an_active_version_and_activate_rolls_back(db, sample_csv):
    args = ("train", "--csv", str(sample_csv), "--text-cols", "title,body", "--label-col", "label")
    assert "Trained v1" in run(*args)
    assert "Trained v2" in run(*args, "--cv-folds", "3")
    v1, v2 = DispatchModel.objects.get(version=1), DispatchModel.objects.get(version=2)
    assert not v1.is_active and v2.is_active and v2.cv_macro_f1 > 0.5 and v2.source == "csv: messages.csv"
    assert v2.rows == 400 and len(v2.classes) == 7 and v1.cv_accuracy is None
    assert selectors.suggest("小区工地凌晨还在打桩施工")["model_version"] == 2
    assert "v1 is now the active" in run("activate", "1")
    v1.refresh_from_db()
    assert v1.is_active and not DispatchModel.objects.get(version=2).is_active
    assert selectors.suggest("小区工地凌晨还在打桩施工")["model_version"] == 1
    listing = run("list")
    assert "* v1" in listing and "  v2" in listing
    with pytest.raises(CommandError, match="No model has version 9"):
        run("activate", "9")


def closed_cases(world, new_case, n_each=18):
    noise = Category.objects.create(code="NOISE", name="噪音扰民", default_department=world.chengguan)
    world.fire.requires_verification = False
    world.fire.default_department = world.water
    world.fire.save()
    made = []
    for i in range(n_each):
        for texts, category in ((DRAIN, world.drain), (FIRE, world.fire), (NOISE, noise)):
            made.append(
                new_case(title=f"{texts[i % 4]}{i}", description=texts[(i + 1) % 4], category=category)
            )
    # two through the whole loop, the rest closed directly (the services are tested in linli.cases)
    for case in made[:2]:
        case = cases.case_respond(case=case, actor=world.owner)
        case = cases.case_resolve(case=case, actor=world.owner, result="已处理")
        cases.case_close(case=case, actor=world.secretary)
    Case.objects.filter(pk__in=[c.pk for c in made[2:]]).update(status="closed")
    return made


def test_train_from_the_database_for_category_and_department(world, new_case):
    with pytest.raises(CommandError, match="at least 50"):
        call_command("dispatch", "train")
    made = closed_cases(world, new_case)
    # a noise case whistled to 供水, later than an earlier whistle to 城管委: the latest whistle wins
    from django.utils import timezone

    for dept, minutes in ((world.chengguan, 10), (world.water, 5)):
        Whistle.objects.create(
            case=made[2],
            department=dept,
            reason="r",
            due_at=timezone.now(),
            created_by=world.secretary,
            created_at=timezone.now() - timezone.timedelta(minutes=minutes),
        )
    assert "on 54 closed cases" in run("train")
    assert services.dataset_from_database(target="department").labels.count("GS") == 19
    result = train_model.call("department", world.admin.pk)
    model = DispatchModel.objects.get(version=result["version"])
    assert model.target == "department" and model.rows == 54 and model.trained_by == world.admin
    assert model.classes == ["CGW", "GS"] and model.is_active
    assert DispatchModel.objects.filter(target="category", is_active=True).count() == 1
    assert selectors.suggest("消防栓没有水", target="department")["suggestions"][0]["code"] == "GS"


def test_training_is_refused_below_two_classes(db):
    data = Dataset(texts=[f"文本{i}" for i in range(60)], labels=["甲"] * 60, source="test")
    with pytest.raises(DatasetError, match="2 classes"):
        services.model_train(data=data, target="category")


def test_a_tampered_model_is_refused(db, sample_csv):
    run("train", "--csv", str(sample_csv), "--text-cols", "title,body", "--label-col", "label")
    model = DispatchModel.objects.get()
    DispatchModel.objects.filter(pk=model.pk).update(blob=bytes(model.blob)[:-10] + b"0123456789")
    selectors.forget_loaded()
    with pytest.raises(selectors.ModelIntegrityError):
        selectors.suggest("下水道堵了")


def test_a_model_planted_without_the_key_ring_is_never_unpickled(db, sample_csv):
    """Whoever can write the database but has not the key ring cannot seal a pickle of their own."""
    import hashlib

    run("train", "--csv", str(sample_csv), "--text-cols", "title,body", "--label-col", "label")
    model = DispatchModel.objects.get()
    planted = bytes(model.blob)[:-10] + b"0123456789"
    DispatchModel.objects.filter(pk=model.pk).update(blob=planted, seal=hashlib.sha256(planted).hexdigest())
    selectors.forget_loaded()
    with pytest.raises(selectors.ModelIntegrityError):
        selectors.suggest("下水道堵了")
