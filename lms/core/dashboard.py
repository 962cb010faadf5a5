"""What each role can do today: the cards on ``/dashboard/``.

Each app registers its cards here (``register_card``) with the roles that see
them and, where it matters, the permission a user must hold. The dashboard
shows one section per role the user holds, so a head teacher who is also a
lecturer sees both.
"""

from dataclasses import dataclass, field

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from lms.accounts.roles import Role


@dataclass(frozen=True)
class Card:
    key: str
    title: str
    description: str
    url_name: str
    roles: frozenset = field(default_factory=frozenset)
    permission: str | None = None

    def url(self):
        try:
            return reverse(self.url_name)
        except NoReverseMatch:
            return None


_CARDS: list[Card] = []


def register_card(key, title, description, url_name, roles, permission=None):
    card = Card(key, title, description, url_name, frozenset(Role(r) for r in roles), permission)
    _CARDS[:] = [c for c in _CARDS if c.key != key] + [card]
    return card


def sections_for(user):
    """``[(role, [cards])]`` for each role the user holds, in the programme's order."""
    sections = []
    for role in user.roles():
        cards = [
            card
            for card in _CARDS
            if role in card.roles and (card.permission is None or user.has_perm(card.permission))
        ]
        sections.append((role, [(card, card.url()) for card in cards if card.url()]))
    return sections


ADMIN_ROLES = [
    Role.ADMINISTRATOR,
    Role.COMMERCE_OFFICER,
    Role.FINANCE_OFFICER,
    Role.INSTITUTION_STAFF,
    Role.LECTURER,
    Role.HEAD_TEACHER,
    Role.REGISTRAR,
]

register_card(
    "admin",
    _("Open the admin"),
    _("Content, people and records, in one place."),
    "wagtailadmin_home",
    ADMIN_ROLES,
    permission="wagtailadmin.access_admin",
)
register_card(
    "users",
    _("Users and roles"),
    _("Create accounts, give roles, deactivate people who have left."),
    "wagtailusers_users:index",
    [Role.ADMINISTRATOR],
    permission="accounts.change_user",
)
register_card(
    "trainee_register",
    _("Trainee register"),
    _("Everyone registered for training, with their village and background."),
    "wagtailsnippets_accounts_traineeprofile:list",
    [Role.ADMINISTRATOR, Role.COMMERCE_OFFICER, Role.FINANCE_OFFICER],
    permission="accounts.view_traineeprofile",
)
register_card(
    "register_trainee",
    _("Register a trainee"),
    _("Enter a willing, eligible person from your village."),
    "wagtailsnippets_accounts_traineeprofile:add",
    [Role.REGISTRAR],
    permission="accounts.add_traineeprofile",
)
register_card(
    "my_registrations",
    _("My registrations"),
    _("The people you have registered so far."),
    "wagtailsnippets_accounts_traineeprofile:list",
    [Role.REGISTRAR],
    permission="accounts.view_traineeprofile",
)
register_card(
    "regions",
    _("Townships and villages"),
    _("The county's townships and villages."),
    "wagtailsnippets_accounts_region:list",
    [Role.ADMINISTRATOR],
    permission="accounts.change_region",
)
register_card(
    "audit",
    _("Audit log"),
    _("Who changed roles, registrations and other records, and when."),
    "audit_events:index",
    [Role.ADMINISTRATOR, Role.COMMERCE_OFFICER],
    permission="audit.view_auditevent",
)
register_card(
    "pages",
    _("Site pages"),
    _("The site's pages: programme news and the curricula."),
    "wagtailadmin_explore_root",
    [Role.ADMINISTRATOR],
    permission="wagtailadmin.access_admin",
)
register_card(
    "media",
    _("Images and documents"),
    _("Upload the photos and handouts your lessons will use."),
    "wagtailimages:index",
    [Role.LECTURER],
    permission="wagtailadmin.access_admin",
)
register_card(
    "my_profile",
    _("My profile"),
    _("Your registration details as the programme holds them."),
    "profile",
    [Role.TRAINEE, Role.ALUMNUS],
)
register_card(
    "my_courses_to_edit",
    _("My courses"),
    _("Edit the lessons of the courses you teach and send them for review."),
    "wagtailadmin_explore_root",
    [Role.LECTURER],
    permission="wagtailadmin.access_admin",
)
register_card(
    "case_library",
    _("Case library"),
    _("Real cases that lessons are taught through: add one or improve one."),
    "wagtailsnippets_courses_content_case:list",
    [Role.LECTURER, Role.ADMINISTRATOR],
    permission="courses_content.view_case",
)
register_card(
    "lecturer_library",
    _("Lecturer library"),
    _("The approved lecturers, and which account each one signs in with."),
    "wagtailsnippets_training_lecturer:list",
    [Role.ADMINISTRATOR],
    permission="training.change_lecturer",
)
register_card(
    "training_institutions",
    _("Training institutions"),
    _("Institutions, their four qualification conditions and evidence; qualify, suspend, cancel."),
    "wagtailsnippets_training_institution:list",
    [Role.COMMERCE_OFFICER],
    permission="training.view_institution",
)
