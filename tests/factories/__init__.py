"""factory-boy factories. State changes still go through actions where one exists."""

import datetime

import factory
from django.contrib.auth import get_user_model

from lms.accounts.actions import do_set_roles
from lms.accounts.demo import demo_id_number
from lms.accounts.models import Region, TraineeProfile


class UserFactory(factory.django.DjangoModelFactory):
    password = "a-long-test-password-9"

    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "三"
    last_name = "张"

    @factory.post_generation
    def set_password(obj, create, extracted, **kwargs):
        obj.set_password(extracted or UserFactory.password)
        if create:
            obj.save(update_fields=["password"])

    @factory.post_generation
    def roles(obj, create, extracted, **kwargs):
        if create and extracted:
            do_set_roles(obj, extracted, acting_user=None)


class CountyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    name = "测试县"
    code = "430599"
    level = Region.Level.COUNTY
    parent = None


class TownshipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    parent = factory.SubFactory(CountyFactory)
    name = factory.Sequence(lambda n: f"第{n}镇")
    code = factory.Sequence(lambda n: f"430599{n % 1000:03d}")
    level = Region.Level.TOWNSHIP


class VillageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    parent = factory.SubFactory(TownshipFactory)
    name = factory.Sequence(lambda n: f"第{n}村")
    code = factory.LazyAttributeSequence(lambda o, n: f"{o.parent.code}{n % 1000:03d}")
    level = Region.Level.VILLAGE


class TraineeProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TraineeProfile

    real_name = factory.Sequence(lambda n: f"学员{n}")
    gender = "female"
    date_of_birth = datetime.date(1996, 5, 4)
    id_number = factory.LazyAttributeSequence(
        lambda o, n: demo_id_number("430599", o.date_of_birth, n % 400 + 1, o.gender)
    )
    phone = factory.Sequence(lambda n: f"139{n:08d}")
    education = TraineeProfile.Education.SENIOR_HIGH
    computer_skill = TraineeProfile.ComputerSkill.BASIC
    category = TraineeProfile.Category.RURAL_YOUTH
    village = factory.SubFactory(VillageFactory)
    user = None
    registered_by = None


def ensure_site():
    """The Wagtail tree and root collection the migrations create, rebuilt after a
    transactional test's flush.

    Returns the home page. A no-op when the tree is already there.
    """
    from django.conf import settings
    from wagtail.models import Collection, Locale, Page, Site

    from cms.models import HomePage
    from lms.accounts.roles import sync_roles

    if Collection.get_first_root_node() is None:
        Collection.add_root(name="Root")
    home = HomePage.objects.first()
    if home is not None:
        return home
    Locale.objects.get_or_create(language_code=settings.LANGUAGE_CODE)
    root = Page.get_first_root_node() or Page.add_root(title="Root", slug="root")
    home = root.add_child(instance=HomePage(title="县电子商务人才培训", slug="home"))
    Site.objects.update_or_create(
        is_default_site=True, defaults={"hostname": "localhost", "port": 80, "root_page": home}
    )
    sync_roles()
    return home
