"""The small organisation the local directory is seeded with.

People and groups of the resort group, enough to try every grant of the access policy
(``contracts/access_policy.yaml``): domain teams, CRM analysts, call-centre agents, an
agency, the data protection officer and the platform team. Passwords are drawn at
random when the directory is seeded and written, readable by their owner only, beside
the server (``<state>/ldap/people.json``).
"""

from __future__ import annotations

from dataclasses import dataclass

BASE_DN = "dc=trident-resorts,dc=example"
PEOPLE_DN = f"ou=people,{BASE_DN}"
GROUPS_DN = f"ou=groups,{BASE_DN}"
ADMIN_DN = f"cn=admin,{BASE_DN}"
MAIL_DOMAIN = "trident-resorts.example"


@dataclass(frozen=True)
class Person:
    uid: str
    name: str
    groups: tuple[str, ...]

    @property
    def dn(self) -> str:
        return f"uid={self.uid},{PEOPLE_DN}"

    @property
    def mail(self) -> str:
        return f"{self.uid}@{MAIL_DOMAIN}"


PEOPLE: tuple[Person, ...] = (
    Person("camille", "Camille Roux", ("team-customers",)),
    Person("bastien", "Bastien Moreau", ("team-bookings",)),
    Person("pauline", "Pauline Garnier", ("team-products",)),
    Person("romain", "Romain Faure", ("team-reviews",)),
    Person("alice", "Alice Martin", ("crm-analysts",)),
    Person("hugo", "Hugo Lefebvre", ("crm-analysts",)),
    Person("bob", "Bob Durand", ("call-centre-agents",)),
    Person("ines", "Inès Petit", ("call-centre-agents",)),
    Person("carol", "Carol Blanc", ("agencies",)),
    Person("dora", "Dora Lambert", ("data-protection-officer",)),
    Person("pat", "Pat Mercier", ("platform-admins",)),
)
"""The people, each with the groups they are a member of."""

GROUPS: dict[str, str] = {
    "team-customers": "The customers domain team.",
    "team-bookings": "The bookings domain team.",
    "team-products": "The products domain team.",
    "team-reviews": "The reviews domain team.",
    "crm-analysts": "CRM lab analysts.",
    "call-centre-agents": "Call-centre agents.",
    "agencies": "Media and marketing agencies.",
    "data-protection-officer": "The data protection officer.",
    "platform-admins": "The data platform team.",
}
"""The groups and their descriptions (the policy's group names)."""


def group_dn(name: str) -> str:
    return f"cn={name},{GROUPS_DN}"
